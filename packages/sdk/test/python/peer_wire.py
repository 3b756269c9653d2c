"""The reference client against our servers (driven by python-peer-wire.test.ts).

Config on stdin: rpc and side-service URLs, hex BCS TransactionData cases to simulate,
hex signed transactions to execute, a faucet recipient and a checksum. Every call is
awaited in turn; the result goes to stdout as JSON (see driver.py for how it ends).
"""

from driver import run_driver
from soma_sdk import SomaClient


def field(obj, *names):
    for name in names:
        obj = obj[name] if isinstance(obj, dict) else getattr(obj, name)
    return obj


async def main(cfg):
    out = {}
    client = await SomaClient(cfg["rpc"], faucet_url=cfg["side"], scoring_url=cfg["side"], admin_url=cfg["side"])
    out["chain"] = await client.get_chain_identifier()
    out["server"] = await client.get_server_version()
    out["simulate"] = []
    for case in cfg["cases"]:
        try:
            effects = await client.simulate_transaction(bytes.fromhex(case["data"]))
            out["simulate"].append({"digest": str(field(effects, "V1", "transaction_digest"))})
        except Exception as e:
            out["simulate"].append({"error": str(e)})
    out["execute"] = []
    for signed in cfg["signed"]:
        try:
            effects = await client.execute_transaction(bytes.fromhex(signed))
            out["execute"].append({"digest": str(field(effects, "V1", "transaction_digest"))})
        except Exception as e:
            out["execute"].append({"error": str(e)})
    faucet = await client.request_faucet(cfg["recipient"])
    out["faucet"] = {
        "status": faucet.status,
        "coins": [{"amount": c.amount, "id": c.id, "digest": c.transfer_tx_digest} for c in faucet.coins_sent],
    }
    try:
        await client.request_faucet("definitely not an address")
        out["faucetBad"] = "no error"
    except Exception as e:
        out["faucetBad"] = str(e)
    out["health"] = await client.scoring_health()
    models = [
        SomaClient.model_manifest("http://127.0.0.1/w0", checksum=cfg["checksum"], size=11),
        SomaClient.model_manifest(
            "http://127.0.0.1/w1", checksum=cfg["checksum"], size=12, decryption_key=cfg["checksum"]
        ),
    ]
    res = await client.score("http://127.0.0.1/data", models, [0.1, 0.2, 0.3], data=b"hello soma", seed=9)
    out["score"] = {
        "winner": res.winner,
        "loss": list(res.loss_score),
        "embedding": list(res.embedding),
        "distance": list(res.distance),
    }
    out["epoch1"] = await client.advance_epoch()
    out["epoch2"] = await client.advance_epoch()
    return out


run_driver(main)
