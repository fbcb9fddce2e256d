"""The newsletter: subscribe with consent, confirm by a signed link, unsubscribe in one click;
the desk composes an issue from the day's or week's articles and `send_newsletter` sends it in
batches, one delivery row per address (docs/operations.md says how it is run)."""
