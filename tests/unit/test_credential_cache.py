"""Unit tests of the credential cache shared by processes: folder, entries, margin, lock.

Exchanges are counted at the wire by the local STS endpoint (``local_sts``) and tokens at the
local GitHub OIDC issuer; time is an injected clock where the margin is at stake.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from boto_session_manager import BotoSesManager, CredentialCacheError
from boto_session_manager.credential_cache import (
    CACHE_DIR_VAR,
    CACHE_VAR,
    CachedRefresh,
    CredentialCache,
    cache_enabled,
    default_cache_dir,
    github_job_token_source,
    resolve_credential_cache,
    sts_endpoint_url,
    web_identity_cache_key,
)
from boto_session_manager.expiring_credentials import ExpiringCredentials
from boto_session_manager.file_lock import LockTimeoutError, exclusive_lock
from boto_session_manager.refresh_windows import refresh_margin
from boto_session_manager.testing import GitHubOidcIssuer, assert_no_secrets
from tests.clock import Clock

pytestmark = pytest.mark.usefixtures("isolated_aws_env")

RunAtOnce = Callable[..., tuple[list[Any], list[BaseException]]]
ROLE_ARN = "arn:aws:iam::123456789012:role/project-boto_session_manager-ci"
EXCHANGE = "AssumeRoleWithWebIdentity"
NOW = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def entry(seconds_left: float, *, key: str = "ASIAEXAMPLE", now: dt.datetime = NOW) -> Any:
    """Credentials expiring ``seconds_left`` after ``now``."""
    return ExpiringCredentials(
        access_key_id=key,
        secret_access_key=f"secret-of-{key}",
        session_token=f"token-of-{key}",
        expiration=now + dt.timedelta(seconds=seconds_left),
    )


class TestFolder:
    @pytest.mark.parametrize(
        ("platform", "environ", "expected"),
        [
            ("linux", {"XDG_CACHE_HOME": "/xdg"}, "/xdg/boto_session_manager/credentials"),
            ("linux", {}, "~/.cache/boto_session_manager/credentials"),
            ("linux", {"XDG_CACHE_HOME": "rel"}, "~/.cache/boto_session_manager/credentials"),
            ("darwin", {}, "~/Library/Caches/boto_session_manager/credentials"),
            ("win32", {"LOCALAPPDATA": "/L"}, "/L/boto_session_manager/Cache/credentials"),
            ("linux", {CACHE_DIR_VAR: "/mine", "XDG_CACHE_HOME": "/x"}, "/mine"),
        ],
        ids=["xdg", "linux-default", "xdg-relative-ignored", "macos", "windows", "explicit"],
    )
    def test_where_the_cache_lives(
        self, platform: str, environ: dict[str, str], expected: str
    ) -> None:
        """The user's cache folder of each system, or BSM_CREDENTIAL_CACHE_DIR."""
        found = default_cache_dir(environ, platform=platform)
        assert found == Path(os.path.expanduser(expected))

    @posix_only
    def test_folder_is_made_private(self, tmp_path: Path) -> None:
        """The folder is made 0700; entries are 0600; an open folder of ours is closed."""
        cache = CredentialCache(tmp_path / "made" / "here")
        cache.put("k", entry(3600), now=NOW)
        assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700
        assert stat.S_IMODE(cache.entry_path("k").stat().st_mode) == 0o600
        cache.directory.chmod(0o755)
        cache.put("k", entry(3600), now=NOW)
        assert stat.S_IMODE(cache.directory.stat().st_mode) == 0o700

    def test_a_folder_that_cannot_be_made_is_a_clear_error(self, tmp_path: Path) -> None:
        """A file where the folder should be: one error naming the variable to set."""
        (tmp_path / "file").write_text("")
        cache = CredentialCache(tmp_path / "file" / "credentials")
        with pytest.raises(CredentialCacheError) as info:
            cache.put("k", entry(3600), now=NOW)
        assert CACHE_DIR_VAR in str(info.value) and "--no-cache" in str(info.value)


class TestSwitch:
    @pytest.mark.parametrize(
        ("value", "on"), [("1", True), ("TRUE", True), ("on", True), ("0", False), ("", False)]
    )
    def test_values(self, value: str, on: bool) -> None:
        """1/true/yes/on turn it on; 0/false/no/off or nothing leave it off."""
        assert cache_enabled({CACHE_VAR: value}) is on

    def test_a_typo_is_a_clear_error(self) -> None:
        """An unknown value names the variable and the values it takes."""
        with pytest.raises(CredentialCacheError, match=r"BSM_CREDENTIAL_CACHE=1"):
            cache_enabled({CACHE_VAR: "sometimes"})

    def test_library_default_is_off(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without the argument or the variable, the library writes nothing to disk."""
        monkeypatch.delenv(CACHE_VAR, raising=False)
        assert resolve_credential_cache(None) is None
        assert resolve_credential_cache(None, {CACHE_VAR: "1"}) is not None
        assert resolve_credential_cache(False, {CACHE_VAR: "1"}) is None


class TestEntries:
    def test_round_trip_and_margin(self, tmp_path: Path) -> None:
        """An entry is used while more than the margin is left, then no more."""
        cache = CredentialCache(tmp_path)
        cache.put("k", entry(1000), now=NOW)
        found = cache.get("k", now=NOW, margin=900)
        assert found is not None and found.access_key_id == "ASIAEXAMPLE"
        assert found.expiration == NOW + dt.timedelta(seconds=1000)
        assert cache.get("k", now=NOW + dt.timedelta(seconds=100), margin=900) is None
        assert cache.get("missing", now=NOW, margin=0) is None

    def test_entry_is_credential_process_json(self, tmp_path: Path) -> None:
        """The file holds exactly what `credential_process` prints (Version 1, Expiration Z)."""
        cache = CredentialCache(tmp_path)
        cache.put("k", entry(60), now=NOW)
        document = json.loads(cache.entry_path("k").read_text())
        assert sorted(document) == [
            "AccessKeyId",
            "Expiration",
            "SecretAccessKey",
            "SessionToken",
            "Version",
        ]
        assert (document["Version"], document["Expiration"]) == (1, "2030-01-01T00:01:00Z")

    @pytest.mark.parametrize(
        "content",
        [b"not json", b"{}", b'{"Version": 1, "AccessKeyId": "A"}', b'{"Version": 2}'],
        ids=["not-json", "empty", "incomplete", "other-version"],
    )
    def test_malformed_entries_are_misses(self, tmp_path: Path, content: bytes) -> None:
        """A damaged entry is treated as missing, not as an error."""
        cache = CredentialCache(tmp_path)
        cache.entry_path("k").write_bytes(content)
        cache.entry_path("k").chmod(0o600)
        assert cache.get("k", now=NOW, margin=0) is None

    @posix_only
    def test_an_entry_others_can_read_is_not_used(self, tmp_path: Path) -> None:
        """An entry whose mode lets others in (not written by the cache) is ignored."""
        cache = CredentialCache(tmp_path)
        cache.put("k", entry(3600), now=NOW)
        cache.entry_path("k").chmod(0o644)
        assert cache.get("k", now=NOW, margin=0) is None

    def test_prune_and_clear(self, tmp_path: Path) -> None:
        """Writing removes expired entries; clear removes everything the cache made."""
        cache = CredentialCache(tmp_path)
        cache.put("old", entry(10), now=NOW)
        with cache.locked("old"):
            pass
        cache.put("new", entry(3600), now=NOW + dt.timedelta(seconds=20))
        assert not cache.entry_path("old").exists() and cache.entry_path("new").exists()
        assert cache.clear() == 2  # new.json and old.lock (a lock file goes after days)
        assert list(tmp_path.iterdir()) == []

    def test_repr_shows_no_secret(self) -> None:
        """The credentials' repr is their expiry only."""
        found = entry(60, key="ASIASECRETLOOKING")
        assert_no_secrets(
            {"secret": found.secret_access_key, "token": found.session_token or ""},
            {"repr": repr(found)},
        )
        assert "ASIASECRETLOOKING" not in repr(found)


class TestKeys:
    def test_every_part_changes_the_key(self) -> None:
        """Source, role, session parameters and endpoint each give another key."""
        base: dict[str, Any] = {
            "role_arn": ROLE_ARN,
            "token_source": "job-1",
            "role_session_name": None,
            "duration_seconds": 3600,
            "region": "us-east-1",
            "endpoint_url": None,
        }
        changes = {
            "role_arn": ROLE_ARN + "-other",
            "token_source": "job-2",
            "role_session_name": "named",
            "duration_seconds": 900,
            "region": "eu-west-1",
            "endpoint_url": "http://127.0.0.1:1",
        }
        keys = {web_identity_cache_key(**base)}
        for name, value in changes.items():
            keys.add(web_identity_cache_key(**{**base, name: value}))
        assert len(keys) == 1 + len(changes)
        assert web_identity_cache_key(**base) == web_identity_cache_key(**dict(base))

    def test_job_source_hides_the_request_token(self) -> None:
        """Two jobs differ by their request token; the token itself is not in the source."""
        one = github_job_token_source("https://t/x?a=1", "request-token-1", "sts.amazonaws.com")
        two = github_job_token_source("https://t/x?a=1", "request-token-2", "sts.amazonaws.com")
        assert one != two and "request-token-1" not in one

    def test_endpoint_from_arguments_then_environment(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """endpoint_url wins, then AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL."""
        assert sts_endpoint_url(None) is None
        monkeypatch.setenv("AWS_ENDPOINT_URL", "http://all")
        assert sts_endpoint_url(None) == "http://all"
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://sts")
        assert sts_endpoint_url({}) == "http://sts"
        assert sts_endpoint_url({"endpoint_url": "http://arg"}) == "http://arg"


class CountingExchange:
    """A refresh function handing out new credentials living ``lifetime`` seconds."""

    def __init__(self, clock: Callable[[], dt.datetime], lifetime: int = 3600) -> None:
        self.clock, self.lifetime, self.calls = clock, lifetime, 0
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            self.calls += 1
            number = self.calls
        return entry(self.lifetime, key=f"ASIA{number:016d}", now=self.clock()).refresh_metadata()


class TestCachedRefresh:
    def test_many_refreshers_at_once_make_one_exchange(
        self, tmp_path: Path, run_at_once: RunAtOnce
    ) -> None:
        """32 refreshers (one per would-be process) starting together: 1 exchange."""
        clock = Clock(NOW)
        exchange = CountingExchange(clock)
        cache = CredentialCache(tmp_path)

        def first_credentials() -> str:
            refresh = CachedRefresh(exchange, cache=cache, key="k", margin=900, clock=clock)
            return str(refresh()["access_key"])

        results, errors = run_at_once(first_credentials, threads=32)
        assert errors == []
        assert exchange.calls == 1 and set(results) == {"ASIA0000000000000001"}

    def test_inside_the_margin_gets_new_credentials(self, tmp_path: Path) -> None:
        """Once the entry has no more than the margin left, the next refresher exchanges."""
        clock = Clock(NOW)
        exchange = CountingExchange(clock)
        cache = CredentialCache(tmp_path)
        first = CachedRefresh(exchange, cache=cache, key="k", margin=900, clock=clock)()
        clock.now += dt.timedelta(seconds=2700)  # exactly the margin left
        second = CachedRefresh(exchange, cache=cache, key="k", margin=900, clock=clock)()
        assert first["access_key"] != second["access_key"] and exchange.calls == 2

    def test_credentials_being_replaced_are_never_handed_back(self, tmp_path: Path) -> None:
        """A forced refresh (credentials refused) exchanges even though the entry is fresh."""
        clock = Clock(NOW)
        exchange = CountingExchange(clock)
        refresh = CachedRefresh(
            exchange, cache=CredentialCache(tmp_path), key="k", margin=900, clock=clock
        )
        first, second = refresh(), refresh()
        assert first["access_key"] != second["access_key"] and exchange.calls == 2

    def test_lock_timeout_is_a_clear_error(self, tmp_path: Path) -> None:
        """A lock held past the wait names the cache and the way out."""
        cache = CredentialCache(tmp_path, lock_timeout=0.05)
        held_elsewhere = exclusive_lock(tmp_path / "k.lock", timeout=1)  # as by another process
        with held_elsewhere, pytest.raises(CredentialCacheError, match="bsm cache clear"):
            CachedRefresh(CountingExchange(Clock(NOW)), cache=cache, key="k", margin=0)()

    def test_lock_is_reentrant_within_a_thread_only(
        self, tmp_path: Path, run_at_once: RunAtOnce
    ) -> None:
        """A thread holding a key's lock takes it again at once; another thread waits."""
        cache = CredentialCache(tmp_path, lock_timeout=0.05)
        with cache.locked("k"):
            with cache.locked("k"):
                pass
            _results, errors = run_at_once(lambda: cache.locked("k").__enter__(), threads=1)
            assert [type(e) for e in errors] == [CredentialCacheError]
        with cache.locked("k"):  # released by the outer block
            pass

    def test_lock_excludes_threads_and_times_out(self, tmp_path: Path) -> None:
        """The file lock excludes a second holder until released."""
        path = tmp_path / "x.lock"
        with (
            exclusive_lock(path, timeout=1),
            pytest.raises(LockTimeoutError),
            exclusive_lock(path, timeout=0.02),
        ):
            pass
        with exclusive_lock(path, timeout=0.02):
            pass


class TestLibrary:
    def manager(
        self, issuer: GitHubOidcIssuer, sts: Any, cache: Any, **kwargs: Any
    ) -> BotoSesManager:
        return BotoSesManager.from_github_oidc(
            ROLE_ARN,
            environ=issuer.environ(),
            region_name="us-east-1",
            default_client_kwargs={"endpoint_url": sts.url},
            credential_cache=cache,
            **kwargs,
        )

    def test_managers_of_one_job_share_one_exchange(
        self, github_oidc_issuer: GitHubOidcIssuer, local_sts: Any, tmp_path: Path
    ) -> None:
        """Three managers (as three processes would) make 1 token fetch and 1 exchange."""
        cache = CredentialCache(tmp_path)
        keys = {
            self.manager(github_oidc_issuer, local_sts, cache).get_frozen_credentials().access_key
            for _ in range(3)
        }
        assert len(keys) == 1
        assert github_oidc_issuer.tokens_served == 1 and local_sts.calls[EXCHANGE] == 1

    def test_off_by_default(
        self,
        github_oidc_issuer: GitHubOidcIssuer,
        local_sts: Any,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Without the argument or the variable, each manager exchanges and nothing is written."""
        monkeypatch.setenv("HOME", str(tmp_path))
        monkeypatch.delenv(CACHE_DIR_VAR, raising=False)
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        for _ in range(2):
            self.manager(github_oidc_issuer, local_sts, None).get_frozen_credentials()
        assert local_sts.calls[EXCHANGE] == 2
        assert list(tmp_path.iterdir()) == []

    def test_variable_turns_it_on(
        self,
        github_oidc_issuer: GitHubOidcIssuer,
        local_sts: Any,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """BSM_CREDENTIAL_CACHE=1 in the environment shares the exchange, in the named folder."""
        environ = {**github_oidc_issuer.environ(), CACHE_VAR: "1"}
        monkeypatch.setenv(CACHE_DIR_VAR, str(tmp_path / "cache"))
        for _ in range(2):
            BotoSesManager.from_environment(
                role_arn=ROLE_ARN,
                environ=environ,
                region_name="us-east-1",
                default_client_kwargs={"endpoint_url": local_sts.url},
            ).get_frozen_credentials()
        assert local_sts.calls[EXCHANGE] == 1
        assert len(list((tmp_path / "cache").glob("*.json"))) == 1

    def test_refresh_inside_the_margin_under_an_injected_clock(
        self, github_oidc_issuer: GitHubOidcIssuer, local_sts: Any, tmp_path: Path
    ) -> None:
        """A manager whose cached credentials are inside the margin refreshes them, and a
        manager started then reads the refreshed ones: 2 exchanges in all."""
        clock = Clock(NOW)
        local_sts.clock = clock
        cache = CredentialCache(tmp_path)
        first = self.manager(github_oidc_issuer, local_sts, cache, time_fetcher=clock)
        old = first.get_frozen_credentials().access_key
        clock.now += dt.timedelta(seconds=3600 - refresh_margin(3600) + 1)
        assert first.get_frozen_credentials().access_key != old
        late = self.manager(github_oidc_issuer, local_sts, cache, time_fetcher=clock)
        assert late.get_frozen_credentials().access_key == first.get_frozen_credentials().access_key
        assert local_sts.calls[EXCHANGE] == 2 and github_oidc_issuer.tokens_served == 2

    def test_refused_credentials_are_replaced_for_everyone(
        self, github_oidc_issuer: GitHubOidcIssuer, local_sts: Any, tmp_path: Path
    ) -> None:
        """Credentials the endpoint refuses are exchanged again, not read back from the cache."""
        cache = CredentialCache(tmp_path)
        bsm = self.manager(github_oidc_issuer, local_sts, cache)
        sts = bsm.sts_client
        sts.get_caller_identity()
        local_sts.refuse("GetCallerIdentity", "InvalidClientTokenId", count=1)
        assert sts.get_caller_identity()["Account"] == "123456789012"
        assert local_sts.calls[EXCHANGE] == 2
        fresh = self.manager(github_oidc_issuer, local_sts, cache).get_frozen_credentials()
        assert fresh.access_key == bsm.get_frozen_credentials().access_key
        assert local_sts.calls[EXCHANGE] == 2
