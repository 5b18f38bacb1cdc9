from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(template_name="djangoapp/form.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="djangoapp/form.html", success_url="/me/"),
        name="password_change",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(
            template_name="djangoapp/form.html",
            email_template_name="djangoapp/reset_email.txt",
            success_url="/",
        ),
        name="password_reset",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="djangoapp/reset_confirm.html", success_url="/"),
        name="password_reset_confirm",
    ),
    path("me/", views.me, name="me"),
    path("reports/", views.reports, name="reports"),
    path("whoami/", views.whoami, name="whoami"),
    path("session/", views.session_get, name="session_get"),
    path("session/set/", views.session_set, name="session_set"),
    path("messages/", views.messages_list, name="messages_list"),
    path("messages/add/", views.messages_add, name="messages_add"),
]
