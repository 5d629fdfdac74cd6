from django.urls import path

from . import referral_views as views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="list"),
    path("referrals/new/", views.referral_new, name="new"),
    path("referrals/<int:pk>/", views.referral_detail, name="detail"),
    path("referrals/<int:pk>/feedback/", views.referral_feedback, name="feedback"),
    path("referrals/<int:pk>/close/", views.referral_close, name="close"),
]
