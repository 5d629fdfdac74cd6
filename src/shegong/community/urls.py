from .activity_urls import urlpatterns as activity_urls
from .request_urls import urlpatterns as request_urls
from .volunteer_urls import urlpatterns as volunteer_urls

app_name = "community"
urlpatterns: list = [*activity_urls, *volunteer_urls, *request_urls]
