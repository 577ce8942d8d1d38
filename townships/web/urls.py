"""Login, logout, password change and the signed-in home page ("my desk")."""

from django.urls import path

from townships.web import views

urlpatterns = [
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("home/", views.home, name="home"),
]
