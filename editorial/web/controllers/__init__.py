"""The web app's controllers, one per screen."""
