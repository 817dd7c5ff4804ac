"""Notifications, automation and urgent alerts (docs/notifications.md). The times are in
business time of the contract's calendar unless they say seconds."""

from __future__ import annotations

from secondline.environment import envint, envlist

# Changes to one ticket within the batch window reach a person as one email; 0 turns the
# other rules off.
NOTIFY_BATCH_SECONDS = envint("NOTIFY_BATCH_SECONDS", 60)
NOTIFY_BATCH_MAX_SECONDS = envint("NOTIFY_BATCH_MAX_SECONDS", 600)
# How often beat hands the worker the notifications whose batching window has closed.
NOTIFY_RELAY_SECONDS = envint("NOTIFY_RELAY_SECONDS", 10)
# A notification handed to the worker and still pending this long later (its task died with
# the worker, or failed on something other than the SMTP server) is handed over again; after
# NOTIFY_MAX_ATTEMPTS tries it is marked failed. A worker's claim on it expires as long after.
NOTIFY_LEASE_SECONDS = envint("NOTIFY_LEASE_SECONDS", 900)
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 10)
NOTIFY_UNASSIGNED_MINUTES = envint("NOTIFY_UNASSIGNED_MINUTES", 30)
# How new tickets are assigned, tried in order: "account" (the customer's account engineer),
# "duty" (round-robin among the engineers on duty). Empty: nobody is assigned automatically.
AUTO_ASSIGN = envlist("AUTO_ASSIGN", "")
AUTO_REMIND_WAITING_DAYS = envint("AUTO_REMIND_WAITING_DAYS", 3)
AUTO_CLOSE_WAITING_DAYS = envint("AUTO_CLOSE_WAITING_DAYS", 4)
AUTO_CLOSE_RESOLVED_DAYS = envint("AUTO_CLOSE_RESOLVED_DAYS", 5)

# An Urgent alert nobody acknowledges within this many minutes goes to the next on duty.
URGENT_ACK_MINUTES = envint("URGENT_ACK_MINUTES", 15)
# Hosts urgent-alert webhooks may reach although they are not public (an SMS gateway on the
# local network, an egress proxy): comma-separated names or addresses, exact match.
ALERT_WEBHOOK_ALLOWED_HOSTS = envlist("ALERT_WEBHOOK_ALLOWED_HOSTS", "")
