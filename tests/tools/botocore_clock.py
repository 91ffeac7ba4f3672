"""Pins the clock botocore signs with, so a signature can be recomputed for a
given X-Amz-Date. Shared by the SigV4 oracle and the KMS test double."""
import contextlib
import datetime
import threading

import botocore.auth

_LOCK = threading.Lock()  # the patch is process-wide
_TIMEZONE = datetime.timezone


@contextlib.contextmanager
def signing_at(when):
    """Within the block, botocore believes it is `when` (naive UTC datetime)."""

    class _Fixed(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return when

        @classmethod
        def now(cls, tz=None):
            return when.replace(tzinfo=tz) if tz else when

    class _Module:
        datetime = _Fixed
        timezone = _TIMEZONE

    with _LOCK:
        saved = botocore.auth.datetime
        saved_get = getattr(botocore.auth, "get_current_datetime", None)
        # Older botocore reads `datetime`, newer get_current_datetime().
        botocore.auth.datetime = _Module
        if saved_get is not None:
            botocore.auth.get_current_datetime = lambda *a, **k: when
        try:
            yield
        finally:
            botocore.auth.datetime = saved
            if saved_get is not None:
                botocore.auth.get_current_datetime = saved_get
