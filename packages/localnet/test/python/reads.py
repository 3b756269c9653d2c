"""The reference client (soma-sdk from PyPI) reads a local network (system-state-rpc.test.ts,
simulate-rpc.test.ts).

Config on stdin: the RPC URL, model ids to look up, and hex BCS TransactionData to simulate. The
system state is rebuilt by the client's own conversion (it refuses a message with a field missing);
what it holds goes to stdout as JSON, with each simulation's effects or error.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "sdk", "test", "python"))

from driver import run_driver  # noqa: E402
from soma_sdk import SomaClient  # noqa: E402


def ns(obj):
    if isinstance(obj, dict):
        return {str(k): ns(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [ns(v) for v in obj]
    if hasattr(obj, "__dict__"):
        return {k: ns(v) for k, v in vars(obj).items()}
    return obj


async def main(cfg):
    client = await SomaClient(cfg["rpc"])
    state = ns(await client.get_latest_system_state())
    out = {
        "epoch": state["epoch"],
        "models": {k: list(v["V1"].keys())[0] for k, v in state["model_registry"]["models"].items()},
        "pending_update": {
            k: v["V1"]["Active"]["pending_update"] is not None
            for k, v in state["model_registry"]["models"].items()
            if "Active" in v["V1"]
        },
        "validators": [
            {
                "address": v["metadata"]["soma_address"],
                "voting_power": v["voting_power"],
                "pending_stake": v["staking_pool"]["pending_stake"],
                "net_address": v["metadata"]["net_address"],
            }
            for v in state["validators"]["validators"]
        ],
        "total_model_stake": state["model_registry"]["total_model_stake"],
        "manifests": ns(await client.get_model_manifests(cfg["models"])),
        "active": [m.model_id for m in await client.get_active_models()],
        "simulate": [],
    }
    for tx in cfg["simulate"]:
        try:
            effects = ns(await client.simulate_transaction(bytes.fromhex(tx)))["V1"]
            out["simulate"].append(
                {"status": effects["status"], "digest": effects["transaction_digest"], "fee": effects["transaction_fee"]["total_fee"]}
            )
        except Exception as e:
            out["simulate"].append({"error": str(e)})
    return out


run_driver(main)
