from django.urls import path

from mamori.ledger import discovery_views, import_views, views

app_name = "ledger"

urlpatterns = [
    path("assets/", views.AssetListView.as_view(), name="asset_list"),
    path("assets/new/", views.AssetEditView.as_view(), name="asset_create"),
    path("assets/bulk-edit/", views.AssetBulkEditView.as_view(), name="asset_bulk_edit"),
    path("assets/import/", import_views.AssetImportView.as_view(), name="asset_import"),
    path("assets/export/", import_views.AssetExportView.as_view(), name="asset_export"),
    path("assets/<str:key>/", views.AssetDetailView.as_view(), name="asset_detail"),
    path("assets/<str:key>/edit/", views.AssetEditView.as_view(), name="asset_edit"),
    path("assets/<str:key>/sbom/", views.AssetSbomUploadView.as_view(), name="asset_sbom"),
    path("discovery/", discovery_views.DiscoveryRunListView.as_view(), name="discovery_list"),
    path("discovery/<int:pk>/", discovery_views.DiscoveryRunDetailView.as_view(), name="discovery_detail"),
    path("discovery/<int:pk>/register/<int:finding>/", discovery_views.DiscoveryRegisterView.as_view(),
         name="discovery_register"),
    path("vendors/", views.VendorListView.as_view(), name="vendor_list"),
    path("vendors/<int:pk>/", views.VendorDetailView.as_view(), name="vendor_detail"),
    path("vendors/<int:pk>/disclosures/", views.VendorDisclosureCreateView.as_view(), name="vendor_disclosure"),
    path("remote-paths/", views.RemoteAccessPathListView.as_view(), name="remotepath_list"),
    path("remote-paths/new/", views.RemoteAccessPathEditView.as_view(), name="remotepath_create"),
    path("remote-paths/<int:pk>/", views.RemoteAccessPathDetailView.as_view(), name="remotepath_detail"),
    path("remote-paths/<int:pk>/edit/", views.RemoteAccessPathEditView.as_view(), name="remotepath_edit"),
]
