from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe
from django.views.decorators.csrf import csrf_exempt


def index(request):
    if request.user.is_authenticated:
        who = "Logged in to Django as <b>%s</b>." % escape(request.user.get_username())
    else:
        who = "Not logged in."
    shown = "".join(
        '<li class="%s">%s</li>' % (escape(m.tags), escape(m.message)) for m in messages.get_messages(request)
    )
    return HttpResponse(
        "<!doctype html><title>Django</title>%s<p>%s</p>"
        '<p><a href="/login/">log in</a> · <a href="/admin/">admin</a> · <a href="/me/">me</a></p>'
        % ('<ul class="messages">%s</ul>' % shown if shown else "", who)
    )


@login_required
def me(request):
    """The protected view: the logged-in user's name as JSON."""
    return JsonResponse({"username": request.user.get_username(), "id": str(request.user.pk)})


@permission_required("auth.view_user", raise_exception=True)
def reports(request):
    """A view for users with the permission auth.view_user (a 403 for the others)."""
    return JsonResponse({"reports_for": request.user.get_username()})


def whoami(request):
    """Who the request is, without redirecting anonymous users."""
    user = request.user
    return JsonResponse(
        {
            "authenticated": user.is_authenticated,
            "username": user.get_username() if user.is_authenticated else "",
            "session_key": request.session.session_key,
        }
    )


def session_get(request):
    key = request.GET.get("key", "")
    present = key in request.session
    return JsonResponse({"key": key, "present": present, "value": request.session.get(key)})


@csrf_exempt
def session_set(request):
    """Set session[key] = value (query or form parameters); test helper."""
    params = request.POST if request.method == "POST" else request.GET
    request.session[params.get("key", "")] = params.get("value", "")
    return JsonResponse({"ok": True})


def messages_list(request):
    """The request's messages (read, so consumed), as a template's loop shows them."""
    return JsonResponse(
        {
            "messages": [
                {
                    "level": m.level,
                    "message": str(m.message),
                    "tags": m.tags,
                    "extra_tags": m.extra_tags,
                    "safe": isinstance(m.message, SafeData),
                }
                for m in messages.get_messages(request)
            ]
        }
    )


@csrf_exempt
def messages_add(request):
    """messages.add_message for each "text" parameter, at "level" with "tags" ("safe":
    mark_safe); test helper."""
    params = request.POST if request.method == "POST" else request.GET
    level = int(params.get("level", messages.INFO))
    for text in params.getlist("text"):
        messages.add_message(
            request, level, mark_safe(text) if params.get("safe") else text, extra_tags=params.get("tags", "")
        )
    return JsonResponse({"ok": True})
