"""Tests of the Slack adapter against the fake Slack, with the real slack-bolt and slack-sdk."""
