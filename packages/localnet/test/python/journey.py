"""The reference client (soma-sdk from PyPI) drives a started local network (python-journey.test.ts).

Config on stdin: the RPC, faucet and admin URLs, the weights URL, and a seed weights blob (hex).
Every call is awaited in turn and what it returned goes to stdout as JSON: balances as SOMA floats
(as the SDK returns them), effects reduced to status, fee and digest, read-backs as plain values.
The driver starts and ends through the SDK package's driver.py (see there why it ends with os._exit).
"""

import os
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "sdk", "test", "python"))

from driver import run_driver  # noqa: E402
from soma_sdk import Keypair, SomaClient  # noqa: E402


def field(obj, *names):
    for name in names:
        obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
    return obj


def ns(obj):
    """A pythonized value as plain JSON-able data (namespaces become dicts)."""
    if isinstance(obj, dict):
        return {str(k): ns(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [ns(v) for v in obj]
    if hasattr(obj, "__dict__"):
        return {k: ns(v) for k, v in vars(obj).items()}
    return obj


def effects_summary(effects):
    v1 = field(effects, "V1")
    status = field(v1, "status")
    return {
        "status": status if isinstance(status, str) else ns(status),
        "digest": str(field(v1, "transaction_digest")),
        "fee": field(v1, "transaction_fee", "total_fee"),
        "epoch": field(v1, "executed_epoch"),
    }


def coins_of(objects):
    return sorted(
        ({"id": field(o, "id"), "version": field(o, "version")} for o in objects), key=lambda c: c["id"]
    )


async def main(cfg):
    out = {"steps": []}

    def step(name, value):
        # Progress on stderr, so a run that is cut short says how far it got.
        print(f"step {name}: {value!r:.300}", file=sys.stderr, flush=True)
        out["steps"].append(name)
        out[name] = value

    client = await SomaClient(cfg["rpc"], faucet_url=cfg["faucet"], admin_url=cfg["admin"])
    alice = Keypair.generate()
    bob = Keypair.generate()
    carol = Keypair.generate()
    # The model's owner has coins of 2 SOMA only: soma-sdk pays CreateModel's stake from a gas coin
    # it picks at random among the richest eight, so a smaller coin could not pay the minimum stake.
    dave = Keypair.generate()
    step("addresses", {"alice": alice.address(), "bob": bob.address(), "carol": carol.address(), "dave": dave.address()})
    step("chain", await client.get_chain_identifier())
    step("server_version", await client.get_server_version())
    # Raises when the part of the server version after the last "/" is not this client's version.
    await client.check_api_version()
    step("api_version_checked", True)
    step("protocol_version", await client.get_protocol_version())
    step("architecture_version", await client.get_architecture_version())
    step("embedding_dim", await client.get_embedding_dim())
    step("model_min_stake", await client.get_model_min_stake())

    faucet = []
    for _ in range(cfg["faucet_requests"]):
        r = await client.request_faucet(alice.address())
        faucet.append({"status": r.status, "coins": [{"amount": c.amount, "id": c.id} for c in r.coins_sent]})
    step("faucet", faucet)
    step("balance_funded", await client.get_balance(alice.address()))

    step("transfer", effects_summary(await client.transfer_coin(alice, bob.address(), cfg["transfer"])))
    step("balance_after_transfer", {"alice": await client.get_balance(alice.address()), "bob": await client.get_balance(bob.address())})

    pay = await client.pay_coins(alice, [bob.address(), carol.address()], cfg["pay"])
    step("pay", effects_summary(pay))
    step(
        "balance_after_pay",
        {
            "alice": await client.get_balance(alice.address()),
            "bob": await client.get_balance(bob.address()),
            "carol": await client.get_balance(carol.address()),
        },
    )

    step("coins_before_merge", coins_of(await client.list_owned_objects(alice.address(), object_type="coin")))
    step("merge", effects_summary(await client.merge_coins(alice)))
    step("coins_after_merge", coins_of(await client.list_owned_objects(alice.address(), object_type="coin")))
    step("balance_after_merge", await client.get_balance(alice.address()))
    coin = await client.get_object(out["coins_after_merge"][0]["id"])
    step(
        "coin_object",
        {
            "id": field(coin, "id"),
            "version": field(coin, "version"),
            "digest": str(field(coin, "digest")),
            "owner": ns(field(coin, "owner")),
            "type": ns(field(coin, "data", "object_type")),
        },
    )
    step("transfer_lookup", effects_summary(await client.get_transaction(out["transfer"]["digest"])))

    state = await client.get_latest_system_state()
    validator = field(state, "validators", "validators")[0]
    validator_address = str(field(validator, "metadata", "soma_address"))
    step("validator", validator_address)
    step("stake", effects_summary(await client.add_stake(alice, validator_address, cfg["stake"])))
    staked = await client.list_owned_objects(alice.address(), object_type="staked_soma")
    step("staked", [{"id": field(o, "id"), "version": field(o, "version")} for o in staked])
    step("balance_after_stake", await client.get_balance(alice.address()))
    step("unstake", effects_summary(await client.withdraw_stake(alice, field(staked[0], "id"))))
    step("staked_after_unstake", len(await client.list_owned_objects(alice.address(), object_type="staked_soma")))
    step("balance_after_unstake", await client.get_balance(alice.address()))

    weights = bytes.fromhex(cfg["weights"])
    encrypted, key = SomaClient.encrypt_weights(weights)
    step("weights", {"encrypted": encrypted.hex(), "key": key, "checksum": SomaClient.commitment(encrypted)})
    for _ in range(2):
        await client.request_faucet(dave.address())
    step("balance_owner_funded", await client.get_balance(dave.address()))
    model_id = await client.create_model(dave, cfg["commission_rate"])
    step("model_id", model_id)
    commit = await client.commit_model(dave, model_id, cfg["weights_url"], encrypted, key, cfg["embedding"])
    step("commit", effects_summary(commit))
    # The committed URL is the local network's blob store; the weights go there after the commit.
    upload = urllib.request.Request(cfg["weights_url"], data=encrypted, method="PUT")
    with urllib.request.urlopen(upload, timeout=30) as response:
        step("upload", response.status)
    step("manifests_committed", ns(await client.get_model_manifests([model_id])))
    step("epoch_after_commit", await client.advance_epoch())
    step("reveal", effects_summary(await client.reveal_model(dave, model_id, key, cfg["embedding"])))
    step("epoch_after_reveal", await client.advance_epoch())

    step("active_models", ns(await client.get_active_models()))
    step("manifests", ns(await client.get_model_manifests([model_id])))
    step("fetched_model", (await client.fetch_model(model_id)).hex())
    listed = await client.list_targets()
    step("list_targets", {"targets": ns(listed.targets), "next_page_token": listed.next_page_token})
    step("get_targets", ns(await client.get_targets(limit=2)))

    final = await client.get_latest_system_state()
    step(
        "system_state",
        {
            "epoch": field(final, "epoch"),
            "protocol_version": field(final, "protocol_version"),
            "epoch_start_timestamp_ms": field(final, "epoch_start_timestamp_ms"),
            "target_embedding_dim": field(final, "parameters", "target_embedding_dim"),
            "model_ids": sorted(ns(field(final, "model_registry", "models")).keys()),
            "total_model_stake": field(final, "model_registry", "total_model_stake"),
            "validators": [str(field(v, "metadata", "soma_address")) for v in field(final, "validators", "validators")],
            "emission_pool": ns(field(final, "emission_pool")),
            "safe_mode": field(final, "safe_mode"),
        },
    )
    checkpoint = await client.get_latest_checkpoint()
    data = field(checkpoint, "data")
    step(
        "checkpoint",
        {
            "sequence_number": field(data, "sequence_number"),
            "epoch": field(data, "epoch"),
            "fees": ns(field(data, "epoch_rolling_transaction_fees")),
        },
    )
    step("epoch_info", ns(await client.get_epoch()))
    step("next_epoch_timestamp", await client.get_next_epoch_timestamp())
    step("epoch_advanced", await client.advance_epoch())
    step("epoch_info_after", ns(await client.get_epoch()))
    step(
        "balances_final",
        {
            "alice": await client.get_balance(alice.address()),
            "bob": await client.get_balance(bob.address()),
            "carol": await client.get_balance(carol.address()),
            "dave": await client.get_balance(dave.address()),
        },
    )
    return out


run_driver(main)
