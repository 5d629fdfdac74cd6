from django.urls import path

from . import allocation_views, fund_views, offering_views, views

app_name = "resources"
urlpatterns = [
    path("resources/donors/", views.donor_list, name="donors"),
    path("resources/donors/new/", views.donor_new, name="donor_new"),
    path("resources/donors/<int:pk>/", views.donor_detail, name="donor"),
    path("resources/donors/<int:pk>/edit/", views.donor_edit, name="donor_edit"),
    path("resources/donors/<int:pk>/reveal/", views.donor_reveal, name="donor_reveal"),
    path("resources/donations/", views.donation_list, name="donations"),
    path("resources/donations/new/", views.donation_new, name="donation_new"),
    path("resources/donations/<int:pk>/", views.donation_detail, name="donation"),
    path("resources/stock/", allocation_views.stock, name="stock"),
    path("resources/allocations/", allocation_views.allocation_list, name="allocations"),
    path("resources/allocations/new/", allocation_views.allocation_new, name="allocation_new"),
    path("resources/allocations/<int:pk>/", allocation_views.allocation_detail, name="allocation"),
    path("resources/funds/", fund_views.fund_list, name="funds"),
    path("resources/funds/new/", fund_views.fund_new, name="fund_new"),
    path("resources/funds/<int:pk>/", fund_views.fund_detail, name="fund"),
    path("resources/funds/<int:pk>/entries/new/", fund_views.entry_new, name="entry_new"),
    path("resources/entries/<int:pk>/reverse/", fund_views.entry_reverse, name="entry_reverse"),
    path("resources/receipts/<int:pk>/", fund_views.receipt_file, name="receipt"),
    path("resources/receipts/<int:pk>/thumb/", fund_views.receipt_thumb, name="receipt_thumb"),
    path("resources/stations/<str:code>/services/", offering_views.service_list, name="services"),
    path("resources/services/<int:pk>/edit/", offering_views.service_edit, name="service_edit"),
    path(
        "resources/services/<int:pk>/delete/", offering_views.service_delete, name="service_delete"
    ),
]
