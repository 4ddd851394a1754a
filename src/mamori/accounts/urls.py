from django.urls import path

from mamori.accounts import user_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("mfa/verify/", views.MfaVerifyView.as_view(), name="mfa_verify"),
    path("mfa/setup/", views.MfaSetupView.as_view(), name="mfa_setup"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.ProfileView.as_view(), name="profile"),
    path("users/", user_views.UserListView.as_view(), name="user_list"),
    path("users/new/", user_views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", user_views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/<slug:operation>/", user_views.UserSecurityActionView.as_view(), name="user_action"),
]
