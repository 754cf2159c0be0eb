"""The reference side of tests/differential.rs: what botocore resolves for each case.

Reads JSON lines from stdin, one case each:
    {"id": N, "env": {NAME: VALUE, ...}, "profile": null | "NAME"}
and writes one JSON line per case to stdout:
    {"id": N,
     "profile_error": null | {"type": CLASS, "message": STR},   # from get_scoped_config()
     "method": null | STR, "access_key": null | STR,            # from get_credentials()
     "cred_error": null | {...},
     "region": null | STR, "region_error": null | {...}}        # get_config_variable('region')

Each case runs in a fresh botocore Session with os.environ replaced by exactly the case's
environment; "profile" is passed as Session(profile=...) like the CLI's --profile.

Never touches the network: the access key is read only from credentials that already hold it
(for refreshable ones, the cached value, so no refresh can start); deferred credentials
(assume-role, web identity, sso) are reported by method only. Sockets are disabled anyway so a
mistake shows up as an error instead of a request.
"""

import json
import os
import socket
import sys
import traceback

import botocore
import botocore.session
from botocore.credentials import DeferredRefreshableCredentials, RefreshableCredentials

EXPECTED_BOTOCORE = "1.44.5"


def _no_network(*_args, **_kwargs):
    raise OSError("botocore_oracle: network access is disabled in the differential test")


socket.socket.connect = _no_network
socket.socket.connect_ex = _no_network
socket.create_connection = _no_network
socket.getaddrinfo = _no_network


def err(e):
    return {"type": type(e).__name__, "message": str(e)}


def access_key_of(creds):
    if isinstance(creds, DeferredRefreshableCredentials):
        return None
    if isinstance(creds, RefreshableCredentials):
        # The property would refresh when close to expiry; the cached value is what
        # `aws configure list` shows for a valid cache.
        return creds._access_key
    return creds.access_key


def resolve(case):
    out = {
        "id": case["id"],
        "profile_error": None,
        "method": None,
        "access_key": None,
        "cred_error": None,
        "region": None,
        "region_error": None,
    }
    os.environ.clear()
    os.environ.update(case["env"])
    explicit = case.get("profile")
    session = botocore.session.Session(profile=explicit) if explicit is not None else botocore.session.Session()
    try:
        session.get_scoped_config()
    except Exception as e:  # ProfileNotFound, ConfigParseError, ...
        out["profile_error"] = err(e)
        return out
    try:
        creds = session.get_credentials()
        if creds is not None:
            out["method"] = creds.method
            out["access_key"] = access_key_of(creds)
    except Exception as e:
        out["cred_error"] = err(e)
    try:
        region = session.get_config_variable("region")
        out["region"] = region
    except Exception as e:
        out["region_error"] = err(e)
    return out


def main():
    if botocore.__version__ != EXPECTED_BOTOCORE:
        sys.exit(f"botocore_oracle: need botocore {EXPECTED_BOTOCORE}, found {botocore.__version__}")
    saved = dict(os.environ)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        case = json.loads(line)
        try:
            result = resolve(case)
        except Exception:
            # A harness bug, not a botocore answer: report it loudly as its own field.
            result = {"id": case.get("id"), "oracle_crash": traceback.format_exc()}
        finally:
            os.environ.clear()
            os.environ.update(saved)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
