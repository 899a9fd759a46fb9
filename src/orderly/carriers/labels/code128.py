"""Code 128 barcodes: symbol values and bar/space module widths for a string of printable ASCII.

Printable ASCII (space to `~`) is written in code set B; runs of digits long enough to save symbols are packed two
to a symbol in code set C. The symbols are the start symbol, the data (with the code-set switches), the modulo-103
check symbol and the stop symbol, as ISO/IEC 15417 describes them.
"""

# Each symbol's six element widths in modules, bar first (bar, space, bar, space, bar, space), by symbol value.
PATTERNS: tuple[str, ...] = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232",
)  # fmt: skip
STOP_PATTERN = "2331112"  # the stop symbol with its final two-module bar

CODE_C = 99  # switch to code set C (value in sets A and B)
CODE_B = 100  # switch to code set B (value in set C)
START_B = 104
START_C = 105
STOP = 106


def _digit_run(text: str, start: int) -> int:
    """The number of consecutive digits in `text` from `start`."""
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    return end - start


def _worth_set_c(run: int, *, at_start: bool, at_end: bool) -> bool:
    """Whether a run of `run` digits is shorter in set C, counting the code-set switches it costs."""
    if at_start and at_end:
        return run == 2 or run >= 4
    if at_start or at_end:
        return run >= 4
    return run >= 6


def _check_printable(text: str) -> None:
    if not text:
        raise ValueError("A Code 128 barcode needs at least one character.")
    for position, char in enumerate(text):
        if not " " <= char <= "~":
            raise ValueError(f"Code 128 (sets B, C) cannot hold {char!r} at position {position}: printable ASCII only.")


def encode(text: str) -> list[int]:
    """The symbol values for `text`, from the start symbol to the stop symbol, check symbol included.

    Needs: non-empty printable ASCII (ValueError otherwise). Guarantees: set C for digit runs where it makes the
    code shorter (see `_worth_set_c`; an odd run after other data leaves its first digit in set B, a leading odd
    run its last), set B elsewhere; `decode_values` gives `text` back.
    """
    _check_printable(text)
    values: list[int] = []
    code_set = ""
    position = 0
    while position < len(text):
        run = _digit_run(text, position)
        if _worth_set_c(run, at_start=position == 0, at_end=position + run == len(text)):
            if run % 2 and position > 0:
                if code_set != "B":
                    values.append(CODE_B)
                    code_set = "B"
                values.append(ord(text[position]) - 32)
                position += 1
                run -= 1
            run -= run % 2
            values.append(CODE_C if code_set else START_C)
            code_set = "C"
            values.extend(int(text[pair : pair + 2]) for pair in range(position, position + run, 2))
            position += run
            continue
        if code_set != "B":
            values.append(CODE_B if code_set else START_B)
            code_set = "B"
        values.append(ord(text[position]) - 32)
        position += 1
    values.append(checksum(values))
    values.append(STOP)
    return values


def checksum(values: list[int]) -> int:
    """The check symbol for a start symbol and data symbols: (start + Σ position × value) mod 103."""
    return (values[0] + sum(position * value for position, value in enumerate(values[1:], start=1))) % 103


def modules(text: str) -> list[int]:
    """The barcode of `text` as element widths in modules, alternating bar and space, starting and ending with a
    bar (quiet zones not included). Needs what `encode` needs. Guarantees: 11 modules per symbol, 13 for the stop."""
    widths: list[int] = []
    for value in encode(text):
        pattern = STOP_PATTERN if value == STOP else PATTERNS[value]
        widths.extend(int(width) for width in pattern)
    return widths


def decode_values(values: list[int]) -> str:
    """The text a sequence of symbol values (start … check, stop) holds, in code sets B and C.

    Needs: a start symbol B or C, data, a correct check symbol and the stop symbol (ValueError otherwise).
    """
    if len(values) < 3 or values[-1] != STOP or values[0] not in (START_B, START_C):
        raise ValueError("Not a Code 128 symbol sequence in sets B/C (start, data, check, stop).")
    if checksum(values[:-2]) != values[-2]:
        raise ValueError(f"Check symbol {values[-2]} does not match the data (expected {checksum(values[:-2])}).")
    code_set = "B" if values[0] == START_B else "C"
    chars: list[str] = []
    for value in values[1:-2]:
        if code_set == "B" and value == CODE_C:
            code_set = "C"
        elif code_set == "C" and value == CODE_B:
            code_set = "B"
        elif code_set == "B" and value < 95:
            chars.append(chr(value + 32))
        elif code_set == "C" and value < 100:
            chars.append(f"{value:02d}")
        else:
            raise ValueError(f"Symbol {value} is not data in code set {code_set}.")
    return "".join(chars)


def decode_modules(widths: list[int]) -> str:
    """The text of a barcode given as element widths in modules (what `modules` gives): the inverse of `modules`."""
    lookup = {pattern: value for value, pattern in enumerate(PATTERNS)}
    if len(widths) < 13 or (len(widths) - 7) % 6:
        raise ValueError(f"{len(widths)} elements is not a whole number of Code 128 symbols plus the stop symbol.")
    values: list[int] = []
    for start in range(0, len(widths) - 7, 6):
        pattern = "".join(str(width) for width in widths[start : start + 6])
        if pattern not in lookup:
            raise ValueError(f"Elements {start}–{start + 5} ({pattern}) are not a Code 128 symbol.")
        values.append(lookup[pattern])
    if "".join(str(width) for width in widths[-7:]) != STOP_PATTERN:
        raise ValueError("The barcode does not end with the stop symbol.")
    return decode_values([*values, STOP])
