"""Keys, signing, weights encryption and commitments by the reference SDK (driven by
conformance-python.test.ts). Config on stdin: a list of cases; one result per case on
stdout as JSON (see driver.py for how it ends)."""

from driver import run_driver
from soma_sdk import Keypair, SomaClient


def one_case(c):
    kp = Keypair.from_secret_key(bytes.fromhex(c["secret"]))
    kp_hex = Keypair.from_secret_key("0x" + c["secret"])
    ciphertext, key58 = SomaClient.encrypt_weights(bytes.fromhex(c["data"]), bytes.fromhex(c["aesKey"]))
    return {
        "address": kp.address(),
        "addressFromHex": kp_hex.address(),
        "secretHex": kp.to_secret_key(),
        "encoded": kp.to_encoded(),
        "addressFromOurEncoded": Keypair.from_encoded(c["ourEncoded"]).address(),
        "addressFromSecretKeyBech32": Keypair.from_secret_key(c["ourEncoded"]).address(),
        "mnemonicAddress": Keypair.from_mnemonic(c["mnemonic"]).address(),
        "signed": kp.sign(bytes.fromhex(c["tx"])).hex(),
        "ciphertext": ciphertext.hex(),
        "key58": key58,
        "decrypted": SomaClient.decrypt_weights(bytes.fromhex(c["ciphertextOurs"]), c["key58Ours"]).hex(),
        "commitment": SomaClient.commitment(bytes.fromhex(c["data"])),
    }


run_driver(lambda cases: [one_case(c) for c in cases])
