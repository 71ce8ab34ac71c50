"""Test-only LiteLLM callback: appends what LiteLLM logs for each call to ``$CDEOPS_SPY_FILE``.

Copied next to the test's config.yaml and listed in ``litellm_settings.callbacks``; it stands in
for the spend-log database, which cannot run offline here (see reference notes).
"""

import json
import os

from litellm.integrations.custom_logger import CustomLogger


class Spy(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        slo = kwargs.get("standard_logging_object") or {}
        metadata = slo.get("metadata") or {}
        record = {
            "model_group": slo.get("model_group"),
            "request_tags": slo.get("request_tags"),
            "spend_logs_metadata": metadata.get("spend_logs_metadata"),
            "cache_hit": slo.get("cache_hit"),
            "response_cost": slo.get("response_cost"),
            "call_type": slo.get("call_type"),
        }
        with open(os.environ["CDEOPS_SPY_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


spy = Spy()
