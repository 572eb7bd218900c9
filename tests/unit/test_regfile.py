"""The .reg interchange: regedit's text format both ways, and backups that restore the exact prior state."""

from pathlib import Path

import pytest

from ansible_collections.fleetsec.schannel.plugins.module_utils.regfile import (
    CreateKey,
    DeleteKey,
    DeleteValue,
    RegFileError,
    SetValue,
    backup_ops,
    decode_reg,
    dump_reg,
    encode_reg,
    parse_reg,
)
from ansible_collections.fleetsec.schannel.plugins.module_utils.registry import (
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    Change,
    RegValue,
)
from tests.support.registry_state import RegistryState, apply_reg_ops, backup_reg, changes_to_ops

FIXTURES = Path(__file__).parent / "fixtures"
SCHANNEL = r"SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL"
POLICY = r"SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002"
HK = "HKEY_LOCAL_MACHINE\\"


def test_dump_writes_regedit_layout_with_crlf():
    ops = [
        DeleteKey(SCHANNEL + r"\Ciphers\RC4 128/128"),
        SetValue(RegValue(SCHANNEL + r"\Protocols\TLS 1.2\Server", "Enabled", REG_DWORD, 1)),
        SetValue(RegValue(SCHANNEL + r"\Protocols\TLS 1.2\Server", "DisabledByDefault", REG_DWORD, 0)),
        DeleteValue(SCHANNEL + r"\Protocols\SSL 2.0\Client", "Enabled"),
        SetValue(RegValue(SCHANNEL + r"\Ciphers\AES 128/128", "Enabled", REG_DWORD, 0xFFFFFFFF)),
    ]
    assert dump_reg(ops) == "\r\n".join([
        "Windows Registry Editor Version 5.00",
        "",
        "[-" + HK + SCHANNEL + r"\Ciphers\RC4 128/128]",
        "",
        "[" + HK + SCHANNEL + r"\Protocols\TLS 1.2\Server]",
        '"Enabled"=dword:00000001',
        '"DisabledByDefault"=dword:00000000',
        "",
        "[" + HK + SCHANNEL + r"\Protocols\SSL 2.0\Client]",
        '"Enabled"=-',
        "",
        "[" + HK + SCHANNEL + r"\Ciphers\AES 128/128]",
        '"Enabled"=dword:ffffffff',
        "",
        "",
    ])


def test_dword_minus_one_is_written_as_ffffffff():
    text = dump_reg([SetValue(RegValue("SOFTWARE\\X", "Enabled", REG_DWORD, -1))])
    assert '"Enabled"=dword:ffffffff' in text


def test_strings_escape_backslash_and_quote_and_default_value_is_at():
    value = RegValue("SOFTWARE\\X", 'odd "name"\\', REG_SZ, 'C:\\Program Files\\"Mail"')
    text = dump_reg([SetValue(value), SetValue(RegValue("SOFTWARE\\X", "", REG_SZ, "default"))])
    assert '"odd \\"name\\"\\\\"="C:\\\\Program Files\\\\\\"Mail\\""' in text
    assert '@="default"' in text
    assert parse_reg(text) == [SetValue(value), SetValue(RegValue("SOFTWARE\\X", "", REG_SZ, "default"))]


def test_multi_sz_is_utf16_hex7_with_double_nul_wrapped_like_regedit():
    value = RegValue(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP384", "NistP256"))
    text = dump_reg([SetValue(value)])
    lines = text.split("\r\n")
    assert lines[3] == '"EccCurves"=hex(7):4e,00,69,00,73,00,74,00,50,00,33,00,38,00,34,00,00,00,4e,00,\\'
    assert lines[4] == "  69,00,73,00,74,00,50,00,32,00,35,00,36,00,00,00,00,00"
    assert len(lines[3]) == 80


def test_long_hex_continuation_lines_hold_25_bytes():
    suites = tuple("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384_%d" % i for i in range(4))
    text = dump_reg([SetValue(RegValue(POLICY, "Functions", REG_MULTI_SZ, suites))])
    hex_lines = text.split("\r\n")[3:-2]
    assert all(line.endswith(",\\") and len(line) == 78 for line in hex_lines[1:-1])
    assert all(line.startswith("  ") for line in hex_lines[1:])
    assert parse_reg(text) == [SetValue(RegValue(POLICY, "Functions", REG_MULTI_SZ, suites))]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (RegValue("SOFTWARE\\X", "Q", REG_QWORD, 0x0102030405060708), '"Q"=hex(b):08,07,06,05,04,03,02,01'),
        (RegValue("SOFTWARE\\X", "E", REG_EXPAND_SZ, "%T%"), '"E"=hex(2):25,00,54,00,25,00,00,00'),
        (RegValue("SOFTWARE\\X", "B", REG_BINARY, b"\x00\xff"), '"B"=hex:00,ff'),
        (RegValue("SOFTWARE\\X", "M", REG_MULTI_SZ, ()), '"M"=hex(7):00,00'),
        (RegValue("SOFTWARE\\X", "S", REG_SZ, "a\r\nb"), '"S"=hex(1):61,00,0d,00,0a,00,62,00,00,00'),
    ],
)
def test_other_types_round_trip(value, expected):
    text = dump_reg([SetValue(value)])
    assert expected in text.split("\r\n")
    assert parse_reg(text) == [SetValue(value)]


def test_round_trip_of_every_op_kind():
    ops = [
        DeleteKey(SCHANNEL + r"\Ciphers\NULL"),
        CreateKey(SCHANNEL + r"\Hashes\SHA256"),
        SetValue(RegValue(SCHANNEL + r"\Hashes\SHA", "Enabled", REG_DWORD, 0)),
        DeleteValue(SCHANNEL + r"\Hashes\SHA", "Other"),
        SetValue(RegValue(POLICY, "Functions", REG_SZ, "TLS_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256")),
    ]
    assert parse_reg(dump_reg(ops)) == ops
    assert dump_reg(parse_reg(dump_reg(ops))) == dump_reg(ops)


def test_utf16_bom_file_as_regedit_and_iis_crypto_write_it():
    text = decode_reg((FIXTURES / "iiscrypto-backup.reg").read_bytes())
    ops = parse_reg(text)
    assert ops[0] == DeleteKey(SCHANNEL + r"\Ciphers\NULL")
    assert DeleteKey(SCHANNEL + r"\Ciphers\DES 56/56") in ops
    assert DeleteValue(SCHANNEL + r"\Protocols\SSL 2.0\Client", "Enabled") in ops
    assert SetValue(RegValue(SCHANNEL + r"\Protocols\SSL 2.0\Client", "DisabledByDefault", REG_DWORD, 1)) in ops
    assert DeleteValue(POLICY, "Functions") in ops
    assert ops[-1] == SetValue(RegValue(POLICY, "EccCurves", REG_MULTI_SZ, ("NistP384", "NistP256")))
    assert len([op for op in ops if isinstance(op, DeleteKey)]) == 10


def test_encode_decode():
    text = dump_reg([SetValue(RegValue("SOFTWARE\\Ä", "Name", REG_SZ, "wert"))])
    data = encode_reg(text)
    assert data[:2] == b"\xff\xfe"
    assert decode_reg(data) == text
    assert decode_reg(b"\xef\xbb\xbf" + text.encode("utf-8")) == text
    assert decode_reg(text.encode("utf-8")) == text
    assert decode_reg(text.encode("cp1252")) == text


def test_parse_accepts_lf_comments_and_blank_lines():
    text = "\n".join([
        "Windows Registry Editor Version 5.00",
        "; a comment",
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]",
        '"A"=dword:a',
        "  ; indented comment",
        '"B" = "x"',
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Empty]",
    ])
    assert parse_reg(text) == [
        SetValue(RegValue("SOFTWARE\\X", "A", REG_DWORD, 10)),
        SetValue(RegValue("SOFTWARE\\X", "B", REG_SZ, "x")),
        CreateKey("SOFTWARE\\Empty"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("REGEDIT4\r\n", "line 1: expected 'Windows Registry Editor Version 5.00' as the first line, got 'REGEDIT4'"),
        ("", "line 1: expected 'Windows Registry Editor Version 5.00' as the first line, got 'an empty file'"),
        ('Windows Registry Editor Version 5.00\r\n"A"=dword:1\r\n',
         'line 2: value line outside a key block: "A"=dword:1'),
        ("Windows Registry Editor Version 5.00\r\n[HKEY_CURRENT_USER\\X]\r\n",
         "line 2: only keys below HKEY_LOCAL_MACHINE are supported, got [HKEY_CURRENT_USER\\X]"),
        ('Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"=dword:123456789\r\n',
         "line 3 (\"A\"): bad dword '123456789' (expected up to 8 hex digits, e.g. dword:0000000a)"),
        ('Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"=hex(b):01,02\r\n',
         'line 3 ("A"): hex(b) data must be 8 bytes, got 2'),
        ('Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"=hex(7):zz\r\n',
         "line 3 (\"A\"): bad hex data 'zz' (expected comma-separated byte values like 0a,00)"),
        ('Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"="open\r\n',
         'line 3 ("A"): unterminated string "open'),
        ('Windows Registry Editor Version 5.00\r\n[HKEY_LOCAL_MACHINE\\X]\r\n"A"=word:1\r\n',
         "line 3 (\"A\"): unknown value data 'word:1' (expected \"text\", dword:, hex:, hex(N): or -)"),
    ],
)
def test_parse_errors_name_the_line(text, message):
    with pytest.raises(RegFileError) as exc:
        parse_reg(text)
    assert str(exc.value) == message


def test_dump_refuses_data_of_the_wrong_type():
    with pytest.raises(RegFileError, match=r"REG_DWORD data must be an integer 0..0xffffffff, got 'x'"):
        dump_reg([SetValue(RegValue("SOFTWARE\\X", "A", REG_DWORD, "x"))])


# ------------------------------------------------------------------------------------------ backups

TLS12_SERVER = SCHANNEL + r"\Protocols\TLS 1.2\Server"
SSL2_CLIENT = SCHANNEL + r"\Protocols\SSL 2.0\Client"


def _state0() -> RegistryState:
    """A 2008 R2-like host: SSL 2.0\\Client shipped with DisabledByDefault=1, a suite policy set by hand."""
    return RegistryState.from_values(
        [
            RegValue(SSL2_CLIENT, "DisabledByDefault", REG_DWORD, 1),
            RegValue(SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled", REG_DWORD, 0xFFFFFFFF),
            RegValue(POLICY, "Functions", REG_SZ, "TLS_RSA_WITH_AES_128_CBC_SHA"),
        ],
        keys=[SCHANNEL + r"\Protocols", SCHANNEL + r"\Ciphers", SCHANNEL + r"\Hashes"],
    )


def _changes() -> list[Change]:
    return [
        Change(TLS12_SERVER, "Enabled", REG_DWORD, None, 1),  # TLS 1.2 key did not exist
        Change(TLS12_SERVER, "DisabledByDefault", REG_DWORD, None, 0),
        Change(SSL2_CLIENT, "Enabled", REG_DWORD, None, 0),  # key existed, value did not
        Change(SSL2_CLIENT, "DisabledByDefault", REG_DWORD, 1, 1),
        Change(SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled", REG_DWORD, 0xFFFFFFFF, 0),
        Change(SCHANNEL + r"\Hashes\SHA256", "Enabled", REG_DWORD, None, 0xFFFFFFFF),
        Change(POLICY, "Functions", REG_SZ, "TLS_RSA_WITH_AES_128_CBC_SHA", None),
    ]


def _undone(restored: RegistryState, state0: RegistryState, created_parents: set[str]) -> None:
    """``restored`` has exactly ``state0``'s values; its only extra keys are the empty parents a change created."""
    assert restored.content() == state0.content()
    assert restored.keys() - state0.keys() == {p.casefold() for p in created_parents}
    assert state0.keys() <= restored.keys()


def test_backup_restores_prior_values_and_deletes_the_leaf_keys_it_created():
    state0 = _state0()
    changes = _changes()
    snapshot = state0.snapshot([c.key for c in changes])
    after = apply_reg_ops(changes_to_ops(changes), state0.copy())
    assert after.key_exists(TLS12_SERVER)
    assert after != state0
    text = backup_reg(changes, snapshot)
    restored = apply_reg_ops(parse_reg(decode_reg(encode_reg(text))), after)
    assert not restored.key_exists(TLS12_SERVER)
    assert not restored.key_exists(SCHANNEL + r"\Hashes\SHA256")
    # The parent the change had to create stays, empty (IIS Crypto's /backup deletes only Client/Server).
    _undone(restored, state0, {SCHANNEL + r"\Protocols\TLS 1.2"})


def test_backup_deletes_created_leaf_keys_first_then_restores_values():
    changes = _changes()
    ops = backup_ops(changes, _state0().snapshot([c.key for c in changes]))
    assert ops == [
        DeleteKey(TLS12_SERVER),
        DeleteKey(SCHANNEL + r"\Hashes\SHA256"),
        DeleteValue(SSL2_CLIENT, "Enabled"),
        SetValue(RegValue(SSL2_CLIENT, "DisabledByDefault", REG_DWORD, 1)),
        SetValue(RegValue(SCHANNEL + r"\Ciphers\RC4 128/128", "Enabled", REG_DWORD, 0xFFFFFFFF)),
        SetValue(RegValue(POLICY, "Functions", REG_SZ, "TLS_RSA_WITH_AES_128_CBC_SHA")),
    ]


def test_backup_of_a_fresh_key_chain_deletes_only_the_leaf_keys():
    state0 = RegistryState.from_values([], keys=["SOFTWARE\\Microsoft"])
    changes = [
        Change(r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319", "SchUseStrongCrypto", REG_DWORD, None, 1),
        Change(r"SOFTWARE\Microsoft\.NETFramework\v2.0.50727", "SchUseStrongCrypto", REG_DWORD, None, 1),
    ]
    snapshot = state0.snapshot([c.key for c in changes])
    assert backup_ops(changes, snapshot) == [
        DeleteKey(r"SOFTWARE\Microsoft\.NETFramework\v4.0.30319"),
        DeleteKey(r"SOFTWARE\Microsoft\.NETFramework\v2.0.50727"),
    ]
    after = apply_reg_ops(changes_to_ops(changes), state0.copy())
    _undone(apply_reg_ops(parse_reg(backup_reg(changes, snapshot)), after), state0,
            {r"SOFTWARE\Microsoft\.NETFramework"})


def test_value_added_under_a_created_parent_after_the_backup_survives_the_restore():
    # A host without SOFTWARE\Policies\Microsoft\Cryptography: the suite order creates the whole chain. A GPO
    # then writes the curve order policy beside it; restoring our backup must not take that with it.
    cryptography = r"SOFTWARE\Policies\Microsoft\Cryptography"
    state0 = RegistryState.from_values([], keys=[r"SOFTWARE\Policies\Microsoft"])
    changes = [Change(POLICY, "Functions", REG_SZ, None, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")]
    snapshot = state0.snapshot([POLICY])
    assert snapshot.key_exists(cryptography) is False
    backup = backup_reg(changes, snapshot)
    after = apply_reg_ops(changes_to_ops(changes), state0.copy())
    gpo = [
        RegValue(cryptography + r"\Configuration", "Owner", REG_SZ, "gpo"),
        RegValue(cryptography + r"\Configuration\SSL\00010003", "Functions", REG_SZ, "NistP384"),
    ]
    for value in gpo:
        after.set_value(value)
    restored = apply_reg_ops(parse_reg(backup), after)
    assert not restored.key_exists(POLICY)
    assert restored.key_exists(cryptography + r"\Configuration\SSL")
    for value in gpo:
        assert restored.get(value.key, value.name) == value
    # The backup that the old code wrote ([-...\Cryptography]) would have deleted both.
    assert "[-HKEY_LOCAL_MACHINE\\%s]" % POLICY in backup
    assert "[-HKEY_LOCAL_MACHINE\\%s]" % cryptography not in backup


def test_backup_keeps_type_of_prior_value_and_matches_case_insensitively():
    state0 = RegistryState.from_values([RegValue("SOFTWARE\\X", "Functions", REG_MULTI_SZ, ("A", "B"))])
    changes = [Change("software\\x", "functions", REG_SZ, ("A", "B"), "C")]
    snapshot = state0.snapshot(["SOFTWARE\\X"])
    after = apply_reg_ops(changes_to_ops(changes), state0.copy())
    assert after.get("SOFTWARE\\X", "Functions") == RegValue("software\\x", "functions", REG_SZ, "C")
    assert backup_ops(changes, snapshot) == [SetValue(RegValue("SOFTWARE\\X", "Functions", REG_MULTI_SZ, ("A", "B")))]
    assert apply_reg_ops(parse_reg(backup_reg(changes, snapshot)), after) == state0


def test_backup_of_no_changes_is_an_empty_reg_file():
    assert backup_reg([], _state0().snapshot([])) == "Windows Registry Editor Version 5.00\r\n\r\n"


def test_backup_without_the_value_in_the_snapshot_uses_the_changes_prior_type():
    changes = [Change("SOFTWARE\\X", "Functions", REG_SZ, ("A",), "B", before_type=REG_MULTI_SZ)]
    snapshot = RegistryState.from_values([], keys=["SOFTWARE\\X"]).snapshot([])
    assert backup_ops(changes, snapshot) == [SetValue(RegValue("SOFTWARE\\X", "Functions", REG_MULTI_SZ, ("A",)))]


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Windows Registry Editor Version 5.00\r\n",
         "parse_reg takes the text of a .reg file (str), got bytes: decode the file's bytes with decode_reg first"),
        (None, "parse_reg takes the text of a .reg file (str), got NoneType"),
    ],
)
def test_parse_reg_of_something_other_than_text_is_a_clear_error(data, message):
    with pytest.raises(RegFileError) as exc:
        parse_reg(data)
    assert str(exc.value) == message


@pytest.mark.parametrize(("codec", "order"), [("utf-16-le", "little"), ("utf-16-be", "big")])
def test_utf16_without_a_byte_order_mark_is_named_as_such(codec, order):
    text = dump_reg([SetValue(RegValue("SOFTWARE\\X", "A", REG_DWORD, 1))])
    with pytest.raises(RegFileError) as exc:
        decode_reg(text.encode(codec))
    assert str(exc.value) == (
        "the file is UTF-16 (%s-endian) text without a byte order mark; regedit writes UTF-16LE with the mark "
        "FF FE: export it again with regedit, or save it as 'Unicode' (UTF-16 LE with BOM) or UTF-8" % order
    )
    assert parse_reg(decode_reg(b"\xff\xfe" + text.encode("utf-16-le"))) == parse_reg(text)


def test_decode_reg_of_text_is_a_clear_error():
    with pytest.raises(RegFileError, match=r"^decode_reg takes the bytes of a \.reg file, got str$"):
        decode_reg("Windows Registry Editor Version 5.00")
