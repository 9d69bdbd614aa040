"""Readers for commands that mostly read: sort, uniq, find, rg, tree, file, xxd, pytest, curl ...

They write nothing unless an option names a file (``sort -o``, ``curl -o``); options that run a
program or write somewhere unforeseen raise ``_Unknown``.
"""

from __future__ import annotations

from dos.kernel.footprint.options import _getopt, _has, _longs, _not_risky, _static, _vals
from dos.kernel.footprint.paths import _Unknown

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg

_SORT_LONGS = _longs("ignore-leading-blanks dictionary-order ignore-case general-numeric-sort ignore-nonprinting "
                     "month-sort human-numeric-sort numeric-sort random-sort random-source= reverse sort= "
                     "version-sort batch-size= check=? compress-program= debug files0-from= key= merge output= "
                     "stable buffer-size= field-separator= temporary-directory= parallel= unique zero-terminated "
                     "help version")


def _sort(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, _ = _getopt(args, "bcCdfghiMmnRrsuVz", "kotST", "", _SORT_LONGS)
    if _has(opts, "compress-program"):
        raise _Unknown("sort runs a program")
    return [a for a in _vals(opts, "o", "output", "T", "temporary-directory") if a.argv != "-"]


def _uniq(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    _, operands = _getopt(args, "cdDiuz", "fsw", "", _longs("count repeated all-repeated=? skip-fields= group=? "
                                                          "ignore-case skip-chars= unique zero-terminated "
                                                          "check-chars= help version"))
    if len(operands) > 2 or any(a.argv.startswith("+") for a in operands):
        raise _Unknown("uniq")
    return [a for a in operands[1:] if a.argv != "-"]


_FIND_ACTIONS = frozenset({"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fprint0", "-fprintf", "-fls"})


def _find(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv in _FIND_ACTIONS for a in _not_risky(args)):
        raise _Unknown("find writes")
    return []


def _fd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        t = a.argv
        if t.startswith("--exec") or (t[:1] == "-" and t[1:2] != "-" and ("x" in t or "X" in t)):
            raise _Unknown("fd --exec")
    return []


def _rg(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if any(a.argv.startswith("--pre") and not a.argv.startswith("--pre-glob") for a in _not_risky(args)):
        raise _Unknown("rg --pre")
    return []


def _ag(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        name = a.argv[2:].split("=", 1)[0] if a.argv.startswith("--") else ""
        if len(name) >= 2 and "pager".startswith(name):
            raise _Unknown("pager")
    return []


def _tree(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    out = []
    for k, a in enumerate(_not_risky(args)):
        t = a.argv
        if t.startswith("--o"):
            raise _Unknown("tree output")
        if t[:1] == "-" and t[1:2] != "-":
            if "R" in t or ("o" in t and t != "-o"):
                raise _Unknown("tree writes")
            if t == "-o":
                if k + 1 >= len(args):
                    raise _Unknown("tree -o")
                out.append(args[k + 1])
    return out


def _file(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    for a in _not_risky(args):
        if a.argv.startswith("--comp") or (a.argv[:1] == "-" and a.argv[1:2] != "-" and "C" in a.argv):
            raise _Unknown("file -C")
    return []


def _xxd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    if sum(1 for a in _not_risky(args) if not a.argv.startswith("-")) >= 2:
        raise _Unknown("xxd output file")
    return []


_PYTEST_WRITERS = ("basetemp", "junitxml", "junit-xml", "log-file", "report-log", "result-log", "resultlog", "html",
                   "json-report", "json-report-file", "cov", "cov-report", "debug", "override-ini", "pastebin")


def _pytest(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    """pytest writes only its caches, unless told to write reports or a temp tree elsewhere."""
    for a in _static(args):
        t = a.argv
        if t.startswith("--"):
            name = t[2:].split("=", 1)[0]
            if len(name) >= 2 and any(w.startswith(name) for w in _PYTEST_WRITERS):
                raise _Unknown("pytest writes a report")
        elif t.startswith("-"):
            for c in t[1:]:
                if c in "oc":
                    raise _Unknown("pytest -o/-c")
                if c in "kmpnrW":
                    break
    return []


_CURL_LONGS = _longs("""silent show-error location location-trusted fail fail-with-body fail-early include head
verbose insecure get no-buffer compressed http1.0 http1.1 http2 http2-prior-knowledge http3 ipv4 ipv6 progress-bar
no-progress-meter globoff raw path-as-is no-keepalive retry-connrefused retry-all-errors anyauth basic digest ntlm
negotiate netrc netrc-optional proxy-insecure tcp-nodelay styled-output no-styled-output parallel
junk-session-cookies list-only remote-time disable help version request= header= data= data-raw= data-binary=
data-ascii= data-urlencode= json= user= user-agent= referer= max-time= connect-timeout= retry= retry-delay=
retry-max-time= url= proxy= form= form-string= upload-file= range= cookie= cert= key= cacert= capath= resolve=
connect-to= interface= limit-rate= max-filesize= max-redirs= oauth2-bearer= proto= proto-redir= noproxy=
proxy-user= unix-socket= abstract-unix-socket= expect100-timeout= keepalive-time= dns-servers= local-port=
aws-sigv4= url-query= write-out= output= dump-header= cookie-jar= trace= trace-ascii= stderr= libcurl= etag-save=
hsts= alt-svc=""")
_CURL_WRITES = ("o", "D", "c", "output", "dump-header", "cookie-jar", "trace", "trace-ascii", "stderr", "libcurl",
                "etag-save", "hsts", "alt-svc")


def _curl(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, _ = _getopt(args, "sSLfiIvkGN46#qjZlR", "XHduAemxrUEbFTwCYyzPQtoDc", "", _CURL_LONGS)
    if any("%output" in (v.argv or "") for v in _vals(opts, "w", "write-out")):
        raise _Unknown("curl write-out to a file")
    return [v for v in _vals(opts, *_CURL_WRITES) if v.argv != "-"]
