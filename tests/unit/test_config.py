"""The configuration table: every setting has one row, its default is written only there,
and docs/configuration.md lists every variable as the table says."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from chalicelib import config

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"


def test_every_setting_has_exactly_one_row_of_the_table() -> None:
    fields = [f.name for f in dataclasses.fields(config.Settings)]
    rows = [v.field for v in config.VARIABLES]
    assert sorted(fields) == sorted(rows)
    assert len(set(rows)) == len(rows)


def test_settings_without_environment_are_the_table_defaults() -> None:
    assert config.Settings.from_environ({}) == config.Settings()


def test_variables_parse_and_empty_ones_count_as_unset() -> None:
    settings = config.Settings.from_environ(
        {
            "KARAKURI_STAGE": "prod",
            "KARAKURI_LOCAL_PORT": "9000",
            "KARAKURI_SCRIPT_TIMEOUT": "2.5",
            "KARAKURI_FRESH": "1",
            "KARAKURI_LOG_LEVEL": "",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }
    )
    assert (settings.data_table, settings.events_table) == ("karakuri-prod-data", "karakuri-prod-events")
    assert (settings.local_port, settings.script_timeout_seconds, settings.fresh) == (9000, 2.5, True)
    assert settings.base_url == "http://127.0.0.1:9000/api"
    assert (settings.log_level, settings.region) == ("INFO", "eu-west-1")


def test_the_docs_table_is_the_one_generated_from_the_config_table() -> None:
    text = DOC.read_text()
    generated = re.search(r"do not edit by hand -->\n(.*?)<!-- end", text, re.S)
    assert generated is not None, "docs/configuration.md lost its generated table"
    assert generated.group(1) == config.markdown(), "run: .venv/bin/python -m chalicelib.config"


def test_the_docs_name_every_environment_variable() -> None:
    text = DOC.read_text()
    for variable in config.VARIABLES:
        for name in variable.names:
            assert f"`{name}`" in text
