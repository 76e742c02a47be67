"""DELETE /v1/users/{user_id}: erase a user's feedback and tell the trainer."""
