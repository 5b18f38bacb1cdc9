"""A custom user model for the SQL user source tests (scripts/make_auth_db.py --custom).

CustomUser is AbstractUser (so PermissionsMixin) with a UUID primary key: its table is
djsession_accounts_customuser, and its many-to-many fields' tables
djsession_accounts_customuser_user_permissions and djsession_accounts_customuser_groups,
with the column customuser_id. migrations/ was written by Django 3.2's makemigrations, so
that every Django of the matrix reads it.
"""
