"""Tests of the ``helm/cdeops-llm-stack`` chart with the real ``helm`` binary."""
