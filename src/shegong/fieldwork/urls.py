from django.urls import path

from . import views
from . import visit_attachment_views as photos

app_name = "fieldwork"
urlpatterns = [
    path("visits/", views.visit_list, name="list"),
    path("visits/worklist/", views.worklist, name="worklist"),
    path("visits/new/", views.visit_new, name="new"),
    path("visits/overdue/", views.overdue, name="overdue"),
    path("visits/<int:pk>/", views.visit_detail, name="detail"),
    path("visits/<int:pk>/photos/", photos.visit_photos_add, name="photos_add"),
    path("visit-attachments/<int:pk>/", photos.visit_photo, name="photo"),
    path("visit-attachments/<int:pk>/thumb/", photos.visit_photo_thumb, name="photo_thumb"),
    path("visit-attachments/<int:pk>/delete/", photos.visit_photo_delete, name="photo_delete"),
]
