"""The HTTP client every external provider shares (requests, like the Binance adapter).

One `ProviderHttp` per provider: a base URL from the settings, an optional API key sent
as the provider documents it (a query parameter or a header), a timeout, and the
provider's `TokenBucket`. Every request takes a token first; without one it is not sent.
Whatever goes wrong becomes one `ProviderError` whose message is safe to show and log:

* no token → "rate limit: next request allowed in N s" (not counted as a failure);
* a timeout → "timed out after N s"; a refused or dropped connection → "unreachable";
* HTTP 429 → "rate limited by the provider (HTTP 429), retry after N s", and the bucket
  is blocked that long (Retry-After, else 60 s);
* HTTP 401/403 → "refused the API key (HTTP 401)"; other 4xx and 5xx → "HTTP 503 …" with
  the start of the body.

The key never appears in a message: exceptions are named by type only, and every text
quoted from an answer has the key replaced by `***`. `source` (base URL and path) is what
readings and health show of where data came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from pydantic import SecretStr

from scalplab.data.providers.limits import TokenBucket
from scalplab.errors import InputError, ScalpLabError, snippet

DEFAULT_RETRY_AFTER_S = 60.0
"""How long a 429 without a usable Retry-After blocks the provider."""
QUOTED_BODY = 80
"""Most characters of an error answer quoted in a reason."""


class ProviderError(ScalpLabError):
    """A provider gave no usable data; the message is the reason (safe to show)."""

    def __init__(self, message: str, *, failure: bool = True) -> None:
        super().__init__(message)
        self.failure = failure
        """False when nothing was asked (our own rate limit): health is not degraded."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A 2xx answer: its body as text, and its headers."""

    status: int
    text: str
    headers: Mapping[str, str]


class ProviderHttp:
    """GET requests to one provider (see the module docstring)."""

    def __init__(
        self,
        base_url: str,
        limiter: TokenBucket,
        *,
        api_key: SecretStr | None = None,
        timeout_s: float = 10.0,
        session: requests.Session | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InputError(
                f"a provider base URL must start with http:// or https://, got {snippet(base_url)}"
            )
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.timeout_s = timeout_s
        self._key = api_key.get_secret_value() if api_key is not None else ""
        self._session = session or requests.Session()

    @property
    def has_key(self) -> bool:
        """Whether an API key is set."""
        return bool(self._key)

    def scrub(self, text: str) -> str:
        """`text` with the API key replaced by `***`."""
        return text.replace(self._key, "***") if self._key else text

    def source(self, path: str) -> str:
        """Where a path's data comes from, for readings and health (no query, no key)."""
        return f"{self.base_url}{path}"

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | str | None = None,
        *,
        key_param: str | None = None,
        key_header: str | None = None,
    ) -> HttpAnswer:
        """GET `path` with `params` (a mapping, or a query string sent as it is), the key as
        `key_param` or `key_header` when set; a 2xx answer or `ProviderError`."""
        wait = self.limiter.take()
        if wait > 0:
            raise ProviderError(f"rate limit: next request allowed in {wait:.0f} s", failure=False)
        headers = {"Accept": "application/json, text/csv, */*"}
        query: Mapping[str, Any] | str | None = params
        if self._key and key_header:
            headers[key_header] = self._key
        if self._key and key_param:
            if isinstance(params, str):
                query = f"{params}&{key_param}={quote(self._key, safe='')}"
            else:
                query = {**(params or {}), key_param: self._key}
        try:
            response = self._session.get(
                self.base_url + path, params=query, headers=headers, timeout=self.timeout_s
            )
        except requests.Timeout:
            raise ProviderError(f"timed out after {self.timeout_s:g} s") from None
        except requests.ConnectionError:
            raise ProviderError(f"unreachable at {self.base_url}") from None
        except requests.RequestException as exc:
            raise ProviderError(f"request failed ({type(exc).__name__})") from None
        return self._answer(response)

    def _answer(self, response: requests.Response) -> HttpAnswer:
        status = response.status_code
        try:
            text = response.text
        except (requests.RequestException, UnicodeDecodeError):
            raise ProviderError(f"unreadable answer (HTTP {status})") from None
        quoted = snippet(self.scrub(text.strip()), QUOTED_BODY)
        if status == 429:
            wait = _seconds(response.headers.get("Retry-After"))
            self.limiter.block_for(wait)
            raise ProviderError(
                f"rate limited by the provider (HTTP 429), retry after {wait:.0f} s"
            )
        if status in (401, 403):
            raise ProviderError(f"refused the API key (HTTP {status}): {quoted}")
        if not 200 <= status < 300:
            raise ProviderError(f"HTTP {status}: {quoted}")
        return HttpAnswer(status, text, dict(response.headers))

    def close(self) -> None:
        """Release the HTTP session."""
        self._session.close()


def _seconds(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER_S
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
    return seconds if 0 <= seconds < 86_400 else DEFAULT_RETRY_AFTER_S
