"""Closed key sets and allowed values of the LiteLLM 1.108.7 config sections cdeops emits.

LiteLLM itself ignores unknown keys in most sections (``--validate_config`` passes a
``general_settings.master_kye`` typo), so ``litellm_config`` checks against these sets instead.
Each set holds keys LiteLLM 1.108.7 really reads; tests/gateway checks that against the installed
proxy, so an upgrade that drops a key shows up there first.
"""

from __future__ import annotations

__all__ = [
    "ALERTING",
    "ALERT_TYPES",
    "CACHE_MODES",
    "CACHE_PARAMS",
    "CACHE_TYPES",
    "CONTENT_FILTER_PATTERNS",
    "GENERAL_SETTINGS",
    "GUARDRAIL_MODES",
    "GUARDRAIL_PARAMS",
    "GUARDRAIL_TYPES",
    "LITELLM_PARAMS",
    "LITELLM_SETTINGS",
    "MODEL_INFO",
    "MODEL_MODES",
    "PROVIDER_PREFIXES",
    "RETRY_POLICY",
    "ROUTER_SETTINGS",
    "ROUTING_STRATEGIES",
    "TOP_LEVEL",
]

TOP_LEVEL = frozenset(
    {"model_list", "router_settings", "litellm_settings", "general_settings", "guardrails", "environment_variables"}
)

LITELLM_PARAMS = frozenset(
    {
        "model", "api_key", "api_base", "api_version", "organization", "timeout", "stream_timeout", "max_retries",
        "rpm", "tpm", "tags", "drop_params", "max_budget", "budget_duration", "input_cost_per_token",
        "output_cost_per_token", "aws_region_name", "aws_role_name", "aws_session_name", "vertex_project",
        "vertex_location", "vertex_credentials", "region_name", "custom_llm_provider", "mock_response",
    }
)  # fmt: skip
PROVIDER_PREFIXES = frozenset(
    {"anthropic", "openai", "azure", "bedrock", "vertex_ai", "mistral", "gemini", "hosted_vllm"}
)
MODEL_INFO = frozenset(
    {
        "id", "mode", "base_model", "input_cost_per_token", "output_cost_per_token", "max_tokens",
        "max_input_tokens", "max_output_tokens", "tier",
    }
)  # fmt: skip
MODEL_MODES = frozenset(
    {"chat", "completion", "embedding", "image_generation", "audio_transcription", "audio_speech", "rerank",
     "responses"}
)  # fmt: skip

ROUTER_SETTINGS = frozenset(
    {
        "alerting_config", "allowed_fails", "allowed_fails_policy", "background_health_check_model_groups",
        "cache_kwargs", "cache_responses", "caching_groups", "client_ttl", "content_policy_fallbacks",
        "context_window_fallbacks", "cooldown_time", "debug_level", "default_fallbacks", "default_litellm_params",
        "default_max_parallel_requests", "default_priority", "deployment_affinity_ttl_seconds", "disable_cooldowns",
        "enable_health_check_routing", "enable_pre_call_checks", "enable_tag_filtering", "enable_weighted_failover",
        "fallback_on_unsupported_params", "fallbacks", "guardrail_list", "health_check_ignore_transient_errors",
        "health_check_staleness_threshold", "max_fallbacks", "model_group_affinity_config", "model_group_alias",
        "model_group_retry_policy", "num_retries", "optional_pre_call_checks", "plugins", "polling_interval",
        "provider_budget_config", "redis_db", "redis_host", "redis_password", "redis_port", "redis_url",
        "retry_after", "retry_policy", "routing_groups", "routing_strategy", "routing_strategy_args", "set_verbose",
        "stream_timeout", "tag_filtering_match_any", "tag_routing_prefix", "timeout",
    }
)  # fmt: skip
ROUTING_STRATEGIES = frozenset(
    {"simple-shuffle", "least-busy", "usage-based-routing", "usage-based-routing-v2", "latency-based-routing",
     "cost-based-routing", "lar1", "provider-budget-routing"}
)  # fmt: skip
RETRY_POLICY = frozenset(
    {"BadRequestErrorRetries", "AuthenticationErrorRetries", "TimeoutErrorRetries", "RateLimitErrorRetries",
     "ContentPolicyViolationErrorRetries", "InternalServerErrorRetries", "ServiceUnavailableErrorRetries",
     "NotFoundErrorRetries", "DefaultRetries"}
)  # fmt: skip

LITELLM_SETTINGS = frozenset(
    {
        "cache", "cache_params", "callbacks", "success_callback", "failure_callback", "service_callbacks",
        "drop_params", "turn_off_message_logging", "redact_messages_in_exceptions", "redact_user_api_key_info",
        "disable_hf_tokenizer_download", "json_logs", "request_timeout", "num_retries", "set_verbose",
        "max_budget", "budget_duration", "max_end_user_budget", "default_team_settings", "default_team_params",
        "default_internal_user_params", "upperbound_key_generate_params", "key_generation_settings",
        "model_group_settings", "budget_exceeded_status_code", "default_soft_budget", "modify_params",
    }
)  # fmt: skip
CACHE_TYPES = frozenset(
    {"local", "redis", "redis-semantic", "valkey-semantic", "qdrant-semantic", "s3", "gcs", "disk", "azure-blob"}
)
CACHE_MODES = frozenset({"default_on", "default_off"})
CACHE_PARAMS = frozenset(
    {
        "type", "mode", "host", "port", "password", "namespace", "ttl", "default_in_memory_ttl",
        "default_in_redis_ttl", "similarity_threshold", "supported_call_types", "redis_semantic_cache_embedding_model",
        "redis_semantic_cache_index_name", "redis_startup_nodes", "redis_flush_size", "max_messages",
        "semantic_cache_scope", "semantic_cache_embedding_timeout", "semantic_cache_embedding_max_input_tokens",
        "qdrant_api_base", "qdrant_api_key", "qdrant_collection_name", "qdrant_quantization_config",
        "qdrant_semantic_cache_embedding_model", "qdrant_semantic_cache_vector_size", "disk_cache_dir",
    }
)  # fmt: skip

GUARDRAIL_TYPES = frozenset({"litellm_content_filter", "presidio", "hide-secrets", "bedrock", "lakera_v2"})
GUARDRAIL_MODES = frozenset({"pre_call", "post_call", "during_call", "logging_only"})
GUARDRAIL_PARAMS = frozenset(
    {
        "guardrail", "mode", "default_on", "patterns", "blocked_words", "categories", "pattern_redaction_format",
        "keyword_redaction_tag", "mask_request_content", "mask_response_content", "skip_system_message_in_guardrail",
        "api_key", "api_base", "presidio_analyzer_api_base", "presidio_anonymizer_api_base", "presidio_language",
        "pii_entities_config", "presidio_score_thresholds", "output_parse_pii", "presidio_filter_scope",
        "detect_secrets_config", "guardrailIdentifier", "guardrailVersion",
    }
)  # fmt: skip
# Prebuilt patterns of litellm_content_filter (patterns.json in 1.108.7) cdeops may use.
CONTENT_FILTER_PATTERNS = frozenset(
    {"aws_access_key", "aws_secret_key", "github_token", "slack_token", "generic_api_key", "email", "us_ssn",
     "us_ssn_no_dash", "us_phone", "credit_card", "visa", "mastercard", "amex", "discover", "iban", "ipv4", "ipv6",
     "url"}
)  # fmt: skip

GENERAL_SETTINGS = frozenset(
    {
        "master_key", "database_url", "database_connection_pool_limit", "database_connection_timeout",
        "enforce_fallback_model_access", "store_prompts_in_spend_logs", "maximum_spend_logs_retention_period",
        "disable_requester_ip_address_logging", "alerting", "alert_types", "alerting_threshold", "alerting_args",
        "alert_to_webhook_url", "background_health_checks", "health_check_interval", "max_parallel_requests",
        "global_max_parallel_requests", "reject_clientside_metadata_tags", "apply_user_budget_to_team_keys",
        "disable_budget_reservation", "forward_client_headers_to_llm_api", "spend_logs_metadata_fields",
        "store_model_in_db", "custom_auth", "ui_access_mode", "user_header_name",
    }
)  # fmt: skip
ALERTING = frozenset({"slack", "email", "webhook"})
ALERT_TYPES = frozenset(
    {
        "budget_alerts", "cooldown_deployment", "daily_reports", "db_exceptions", "failed_tracking_spend",
        "fallback_reports", "internal_user_deleted", "internal_user_updated", "llm_exceptions",
        "llm_requests_hanging", "llm_too_slow", "mcp_pinned_tools_changed", "mcp_tool_description_blocked",
        "model_deprecation_warnings", "new_internal_user_created", "new_model_added", "new_team_created",
        "new_virtual_key_created", "outage_alerts", "region_outage_alerts", "spend_reports", "team_deleted",
        "team_updated", "user_spend_anomalies", "user_spend_thresholds", "virtual_key_deleted",
        "virtual_key_updated",
    }
)  # fmt: skip
