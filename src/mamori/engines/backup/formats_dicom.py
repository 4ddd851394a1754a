"""Structure check of DICOM Part 10 files (.dcm).

Checked: the 128-byte preamble followed by `DICM`; the File Meta Information group (0002) starting with
(0002,0000) UL or (0002,0001) OB in explicit VR little endian, walked to read the transfer syntax; then
the data set's element headers walked (explicit or implicit VR, items and delimiters of sequences and
encapsulated pixel data) to the end of the file, skipping values with seeks. In random bytes an element
header soon has an unknown VR or a length past the end of the file. Last, blocks of *uncompressed*
(native) pixel data are sampled and must not be uniformly random; compressed pixel data (JPEG, JPEG 2000,
RLE) is high-entropy by nature and is only checked through its fragment items.
"""

from __future__ import annotations

import struct

from mamori.engines.backup.probe import BLOCK, BudgetSpent, Finding, Source, looks_random, mismatch, ok, partial, spread

__all__ = ["check_dicom"]

_VRS = frozenset({
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT",
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST",
    b"SV", b"TM", b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
})
_LONG_VRS = frozenset({b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"})
_UNDEFINED = 0xFFFFFFFF
_IMPLICIT_LITTLE = "1.2.840.10008.1.2"
_EXPLICIT_LITTLE = "1.2.840.10008.1.2.1"
_EXPLICIT_BIG = "1.2.840.10008.1.2.2"
_DEFLATED = "1.2.840.10008.1.2.1.99"
_NATIVE = frozenset({_IMPLICIT_LITTLE, _EXPLICIT_LITTLE, _EXPLICIT_BIG})
_PIXEL_DATA = (0x7FE0, 0x0010)
_ELEMENTS_MAX = 4096
_PIXEL_BLOCKS = 8


def _header(src: Source, pos: int, explicit: bool, little: bool) -> tuple[int, int, bytes, int, int] | None:
    """(group, element, VR, header length, value length) of the element at `pos`; header length 0 for an
    unknown VR; None when the file ends inside the header."""
    raw = src.read(pos, 12)
    if len(raw) < 8:
        return None
    order = "<" if little else ">"
    group, element = struct.unpack(order + "HH", raw[:4])
    if group == 0xFFFE or not explicit:  # items and delimiters never carry a VR
        return group, element, b"", 8, struct.unpack(order + "I", raw[4:8])[0]
    vr = raw[4:6]
    if vr not in _VRS:
        return group, element, vr, 0, 0
    if vr in _LONG_VRS:
        if len(raw) < 12:
            return None
        return group, element, vr, 12, struct.unpack(order + "I", raw[8:12])[0]
    return group, element, vr, 8, struct.unpack(order + "H", raw[6:8])[0]


def _broken(pos: int, why: str) -> Finding:
    return partial("dicom_element_broken", f"The DICOM data set breaks at offset {pos}: {why}.", pos)


def _walk(src: Source, pos: int, explicit: bool, little: bool) -> tuple[Finding | None, int, tuple[int, int] | None]:
    """Walk element headers from `pos` to the end of the file: a finding, elements walked, native pixel data.

    `explicit` is the VR mode of the data set; inside a UN element of undefined length (a sequence whose VR
    the writer did not know) the content is implicit VR little endian (PS3.5 6.2.2), so the mode in force
    is stacked for every container of undefined length and restored at its delimiter.
    """
    elements = 0
    pixels: tuple[int, int] | None = None
    modes: list[bool] = []
    while pos < src.size and elements < _ELEMENTS_MAX:
        found = _header(src, pos, explicit, little)
        if found is None:
            rest = src.read(pos, 16)
            return (None if rest.strip(b"\x00") == b"" else _broken(pos, "the file ends inside an element header"),
                    elements, pixels)
        group, element, vr, header, length = found
        if header == 0:
            if src.read(pos, min(src.size - pos, BLOCK)).strip(b"\x00") == b"" and src.size - pos <= BLOCK:
                return None, elements, pixels  # zero padding after the data set
            return _broken(pos, f"element ({group:04X},{element:04X}) has no valid VR ({vr.hex()})"), elements, pixels
        elements += 1
        if group == 0xFFFE:
            if element not in (0xE000, 0xE00D, 0xE0DD):
                return _broken(pos, f"({group:04X},{element:04X}) is not an item or a delimiter"), elements, pixels
            # An item of defined length is skipped whole; one of undefined length is walked into.
            step = 8 + (length if element == 0xE000 and length != _UNDEFINED else 0)
            if element == 0xE000 and length == _UNDEFINED:
                modes.append(explicit)
            elif element != 0xE000 and modes:
                explicit = modes.pop()
        elif length == _UNDEFINED:
            if explicit and vr not in (b"SQ", b"UN", b"OB", b"OW"):
                return _broken(pos, f"element ({group:04X},{element:04X}) {vr.decode()} has an undefined length"), \
                    elements, pixels
            step = header  # a sequence or encapsulated pixel data: walk into its items
            modes.append(explicit)
            explicit = explicit and vr != b"UN"
        else:
            if (group, element) == _PIXEL_DATA:
                pixels = (pos + header, length)
            step = header + length
        if pos + step > src.size:
            return _broken(pos, f"element ({group:04X},{element:04X}) of {length} bytes runs past the end of the file "
                           f"({src.size} bytes)"), elements, pixels
        pos += step
    return None, elements, pixels


def check_dicom(src: Source) -> Finding:
    """The structure of a DICOM Part 10 file."""
    if src.read(128, 4) != b"DICM":
        return mismatch("dicom_magic_missing", "No DICM marker at offset 128 after the 128-byte preamble.", 128)
    first = _header(src, 132, True, True)
    if first is None or first[0] != 0x0002 or (first[1], first[2]) not in ((0x0000, b"UL"), (0x0001, b"OB")):
        return mismatch("dicom_meta_missing", "The File Meta Information group (0002) does not start at offset 132 "
                        "with (0002,0000) UL or (0002,0001) OB.", 132)
    pos, syntax = 132, ""
    while (found := _header(src, pos, True, True)) is not None and found[0] == 0x0002:
        if found[3] == 0 or pos + found[3] + found[4] > src.size:
            return _broken(pos, "a File Meta Information element is invalid")
        if found[1] == 0x0010:
            syntax = src.read(pos + found[3], found[4]).rstrip(b"\x00 ").decode("ascii", "replace")
        pos += found[3] + found[4]
    if syntax == _DEFLATED:
        return ok(f"DICOM file meta intact; the data set is deflated ({syntax}) and not walked.")
    little = syntax != _EXPLICIT_BIG
    # As pydicom does, the first element decides between explicit and implicit VR: some writers declare one
    # transfer syntax and encode the data set in the other, and readers accept it.
    first_element = src.read(pos, 6)
    explicit = len(first_element) < 6 or first_element[4:6] in _VRS
    try:
        finding, elements, pixels = _walk(src, pos, explicit, little)
        if finding is not None:
            return finding
        blocks = 0
        if pixels is not None and syntax in _NATIVE:
            for at in spread(pixels[0], pixels[0] + pixels[1], _PIXEL_BLOCKS, BLOCK):
                block = src.read(at, BLOCK)
                # Windows of 4 KiB every 2 KiB: an encrypted stripe may cover only part of a block. Two random
                # windows (a random run of about 6 KiB or more) are asked for, so that one odd flat-histogram
                # region of a real image is not enough.
                random_at = [i for i in range(0, len(block) - 4095, 2048) if looks_random(block[i : i + 4096])]
                if len(random_at) >= 2:
                    hit = at + random_at[0]
                    return partial("dicom_pixel_data_random", f"The uncompressed pixel data at offset {hit} "
                                   f"is uniformly random ({len(random_at)} windows of 4 KiB in the block at offset "
                                   f"{at}), which no image is.", hit)
                blocks += 1
    except BudgetSpent:
        return ok("DICOM file meta intact; the read budget was spent walking the data set.")
    return ok(f"DICOM structure intact: transfer syntax {syntax or 'unknown'}, {elements} element headers walked, "
              f"{blocks} blocks of pixel data sampled.")
