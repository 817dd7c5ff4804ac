"""The reference deployment's nginx configuration in docs/production.md passes `nginx -t`."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from conftest import need_service

DOC = Path(__file__).resolve().parents[2] / "docs" / "production.md"
CERT, KEY = "/etc/ssl/certs/support.example.com.pem", "/etc/ssl/private/support.example.com.key"


def _documented_config() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/production.md shows one nginx configuration"
    return blocks[0]


def _nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if not found:
        need_service("nginx", "not installed (apt-get install nginx-light)")
    return str(found)


def test_the_documented_nginx_configuration_is_valid(tmp_path: Path) -> None:
    nginx = _nginx()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    openssl += ["-subj", "/CN=support.example.com", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(openssl, check=True, capture_output=True)
    server = _documented_config().replace(CERT, str(cert)).replace(KEY, str(key))
    temp = {name: tmp_path / name for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        "http {\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {temp['body']};\n  proxy_temp_path {temp['proxy']};\n"
        f"  fastcgi_temp_path {temp['fastcgi']};\n  uwsgi_temp_path {temp['uwsgi']};\n"
        f"  scgi_temp_path {temp['scgi']};\n"
        f"{server}\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(config)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_the_check_fails_on_a_broken_configuration(tmp_path: Path) -> None:
    """The check above can fail: a missing brace is reported."""
    nginx = _nginx()
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\nevents {{}}\nhttp {{ server {{ listen 80; }}\n")
    result = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert result.returncode != 0
