"""Readers for commands that write files: rm, mkdir, touch, mv, cp, ln, dd, chmod, tar, rsync ...

Each returns the paths its arguments make it write: destinations, backups, the parents ``-p``
creates, the directory an archive is extracted into, the files a patch names.
"""

from __future__ import annotations

from dos.kernel.footprint.options import (_HELP, _NO_LONGS, _getopt, _has, _long_name, _longs,
                                          _parse_options, _static, _vals)
from dos.kernel.footprint.patch import _patch_paths
from dos.kernel.footprint.paths import (_DOT, _Arg, _child, _suffixed, _Unknown, _value_arg,
                                        _with_parents)


def _rm(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "fiIrRdv", "", "", _longs("force interactive=? recursive dir verbose one-file-system "
                                                   "no-preserve-root preserve-root=? help version"), globs=True)[1]


def _rmdir(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "pv", "", "", _longs("ignore-fail-on-non-empty parents verbose help version"),
                             globs=True)
    return [p for a in operands for p in _with_parents(a)] if _has(opts, "p", "parents") else operands


def _mkdir(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "pvZ", "m", "", _longs("mode= parents verbose context=? help version"), globs=True)
    return [p for a in operands for p in _with_parents(a)] if _has(opts, "p", "parents") else operands


def _touch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "acfhm", "drt", "", _longs("date= no-create reference= no-dereference time= help version"),
                   globs=True)[1]


def _tee(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "aip", "", "", _longs("append ignore-interrupts output-error=? help version"))[1]


def _truncate(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "co", "rs", "", _longs("no-create io-blocks reference= size= help version"))[1]


def _shred(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "fuvxz", "ns", "", _longs("force iterations= random-source= size= remove=? verbose exact "
                                                   "zero help version"))[1]


def _unlink(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "", "", "", _HELP)[1]


def _link(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    return _getopt(args, "", "", "", _HELP)[1][1:]


_COPY_LONGS = "backup=? suffix= target-directory= no-target-directory verbose help version "
_MV_LONGS = _longs(_COPY_LONGS + "force interactive no-clobber no-copy strip-trailing-slashes update=? context "
                   "exchange debug")
_CP_LONGS = _longs(_COPY_LONGS + "archive attributes-only copy-contents debug dereference force interactive link "
                   "no-clobber no-dereference no-preserve= one-file-system parents preserve=? recursive reflink=? "
                   "remove-destination sparse= strip-trailing-slashes symbolic-link update=? context=? "
                   "keep-directory-symlink")
_INSTALL_LONGS = _longs(_COPY_LONGS + "compare directory group= mode= owner= preserve-timestamps strip "
                        "strip-program= preserve-context context=? debug")
_LN_LONGS = _longs(_COPY_LONGS + "directory force interactive logical no-dereference physical relative symbolic")


def _backups(opts: list[tuple], paths: list[_Arg]) -> list[_Arg]:
    """PATHS plus the backups -b/--backup/-S leave beside them."""
    suffixes = [v.argv for v in _vals(opts, "S", "suffix")]
    if any("/" in s for s in suffixes):
        raise _Unknown("backup elsewhere")
    if _has(opts, "b", "backup", "S", "suffix"):
        return paths + [_suffixed(p, "*") for p in paths]
    return paths


def _destination(opts: list[tuple], operands: list[_Arg]) -> list[_Arg]:
    targets = _vals(opts, "t", "target-directory")
    if targets:
        return targets
    if len(operands) < 2:
        raise _Unknown("no destination")
    return operands[-1:]


def _mv(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bfinuvTZ", "St", "", _MV_LONGS)
    return _backups(opts, operands + _vals(opts, "t", "target-directory"))


def _cp(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "abdfHilLnPpRrsTuvxZ", "St", "", _CP_LONGS)
    return _backups(opts, _destination(opts, operands))


def _install(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bcCdDpsvTZ", "gmoSt", "", _INSTALL_LONGS)
    if _has(opts, "strip-program"):
        raise _Unknown("install runs a program")
    if _has(opts, "d", "directory"):
        return [p for a in operands for p in _with_parents(a)]
    dests = _destination(opts, operands)
    if _has(opts, "D"):
        dests = [p for a in dests for p in _with_parents(a)]
    return _backups(opts, dests)


def _ln(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bdfFinLPrsTv", "St", "", _LN_LONGS)
    if len(operands) == 1 and not _vals(opts, "t", "target-directory"):
        name = (operands[0].path or "").rstrip("/").rsplit("/", 1)[-1]
        if name in ("", ".", "..") or name.startswith("~"):
            raise _Unknown("ln name")
        return _backups(opts, [_Arg(name, name, False)])
    return _backups(opts, _destination(opts, operands))


_DD_KEYS = frozenset({"bs", "cbs", "conv", "count", "ibs", "if", "iflag", "obs", "of", "oflag", "seek", "skip",
                      "status", "iseek", "oseek"})


def _dd(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    out = []
    for a in _static(args):
        key, eq, value = a.argv.partition("=")
        if a.argv in ("--help", "--version"):
            continue
        if not eq or key not in _DD_KEYS:
            raise _Unknown("dd operand")
        if key == "of":
            out.append(_value_arg(value))
    return out


_CHMOD_LONGS = _longs("changes silent quiet verbose no-preserve-root preserve-root recursive reference= help version")


def _chmod(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    mode_seen, files, i, options_done = False, [], 0, False
    while i < len(args):
        text = args[i].argv
        i += 1
        if text is None:
            raise _Unknown("chmod")
        if not options_done and text == "--":
            options_done = True
        elif not options_done and text.startswith("--"):
            name = _long_name(text[2:].split("=", 1)[0], _CHMOD_LONGS)
            if name == "reference":
                mode_seen = True
                i += 0 if "=" in text else 1
        elif not options_done and text.startswith("-") and len(text) > 1:
            if all(c in "cfvR" for c in text[1:]):
                continue
            if mode_seen or not all(c in "rwxXstugoa01234567,+-=" for c in text[1:]):
                raise _Unknown("chmod option")
            mode_seen = True
        elif not mode_seen:
            mode_seen = True
        else:
            files.append(args[i - 1])
    return files


def _chown(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "cfvhHLPR", "", "", _longs("changes silent quiet verbose dereference "
                                                             "no-dereference from= no-preserve-root preserve-root "
                                                             "reference= recursive help version"), globs=True)
    return operands if _has(opts, "reference") else operands[1:]


_TAR_LONGS = _longs("""extract get list create append update catenate concatenate diff compare delete test-label
file= directory= gzip gunzip ungzip bzip2 xz lzip lzma lzop zstd compress uncompress auto-compress verbose
keep-old-files keep-newer-files skip-old-files overwrite overwrite-dir no-overwrite-dir unlink-first recursive-unlink
strip-components= exclude= exclude-from= exclude-vcs exclude-vcs-ignores exclude-backups exclude-caches anchored
no-anchored wildcards no-wildcards wildcards-match-slash ignore-case no-ignore-case null no-null files-from=
to-stdout preserve-permissions same-permissions no-same-permissions preserve-order same-order same-owner
no-same-owner numeric-owner owner= group= mode= mtime= touch sort= format= posix old-archive portability dereference
hard-dereference one-file-system one-top-level=? transform= xform= show-transformed-names show-stored-names totals=?
checkpoint=? warning= blocking-factor= record-size= ignore-zeros ignore-failed-read read-full-records sparse
sparse-version= xattrs no-xattrs xattrs-include= xattrs-exclude= acls no-acls selinux no-selinux
delay-directory-restore no-delay-directory-restore force-local label= newer= after-date= newer-mtime= no-recursion
recursion no-unquote unquote quoting-style= quote-chars= no-quote-chars= utc full-time check-links block-number
interactive confirmation verify absolute-names remove-files to-command= use-compress-program= info-script=
new-volume-script= rsh-command= rmt-command= checkpoint-action= listed-incremental= index-file= volno-file= help
version usage""")
_TAR_FLAGS = "cxtruAdvzjJZaphkmwPOSiGlMnoUWBRs"
_TAR_VALUES = "fCbTXKLNVgIFH"
_TAR_MODES = {"c": "c", "create": "c", "x": "x", "extract": "x", "get": "x", "t": "t", "list": "t", "test-label": "t",
              "r": "r", "append": "r", "u": "u", "update": "u", "A": "A", "catenate": "A", "concatenate": "A",
              "d": "d", "diff": "d", "compare": "d", "delete": "delete"}
_TAR_FORBIDDEN = frozenset({"g", "I", "F", "to-command", "use-compress-program", "info-script", "new-volume-script",
                            "rsh-command", "rmt-command", "checkpoint-action", "listed-incremental", "index-file",
                            "volno-file", "remove-files"})


def _tar(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    items = _parse_options(_tar_bundled(args), _TAR_FLAGS, _TAR_VALUES, "", _TAR_LONGS, globs=True)
    names = {k for k, _ in items if k}
    modes = {_TAR_MODES[k] for k in names if k in _TAR_MODES}
    if names & _TAR_FORBIDDEN or len(modes) != 1:
        raise _Unknown("tar")
    mode = modes.pop()
    if mode in ("t", "d"):
        return []
    dirs, cur, member_first = [], None, False
    for k, v in items:
        if k in ("C", "directory"):
            cur = _child(cur, v)
            dirs.append(cur)
        elif not k and cur is None:
            member_first = True
    if mode == "x":
        if names & {"O", "to-stdout"}:
            return []
        if names & {"P", "absolute-names"}:
            raise _Unknown("tar -P")
        return dirs + [_DOT] if member_first or not dirs else dirs
    archives = [v for k, v in items if k in ("f", "file")]
    if not archives:
        raise _Unknown("tar archive on the default device")
    out = []
    for a in archives:
        if a.argv == "-":
            continue
        if ":" in a.argv.split("/", 1)[0] and "force-local" not in names:
            raise _Unknown("remote archive")
        out += [a] + [_child(d, a) for d in dirs]
    return out


def _tar_bundled(args: list[_Arg]) -> list[_Arg]:
    """``tar xzf A`` written as ``tar -x -z -f A``."""
    if not args or args[0].argv is None or args[0].argv.startswith("-"):
        return args
    out, rest = [], args[1:]
    for c in args[0].argv:
        out.append(_Arg("-" + c, "-" + c, False))
        if c in _TAR_VALUES:
            if not rest:
                raise _Unknown("tar")
            out.append(rest.pop(0))
    return out + rest


def _unzip(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    exdirs, archive, listing, i = [], None, False, 0
    while i < len(_static(args)):
        text = args[i].argv
        i += 1
        if text == "-d":
            if i >= len(args):
                raise _Unknown("unzip -d")
            exdirs.append(args[i])
            i += 1
        elif text.startswith("-d"):
            exdirs.append(_value_arg(text[2:]))
        elif text.startswith("-") and len(text) > 1:
            for c in text[1:]:
                if c in "lvtzZcp":
                    listing = True
                elif c not in "ofnujaqsCDKLMUVWXx$^b+":
                    raise _Unknown("unzip option")
        elif archive is None:
            archive = args[i - 1]
    if listing:
        return []
    if archive is None:
        raise _Unknown("unzip")
    return exdirs or [_DOT]


_PATCH_LONGS = _longs("backup backup-if-mismatch no-backup-if-mismatch context directory= ifdef= ed "
                      "remove-empty-files force fuzz= get= input= ignore-whitespace normal forward output= strip= "
                      "reject-file= reverse silent quiet batch set-time set-utc unified version-control= verbose "
                      "binary merge=? dry-run posix read-only= reject-format= follow-symlinks quoting-style= "
                      "prefix= basename-prefix= suffix= help version")


def _patch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "bcEeflnNRsStuvZT", "BdDFgiopVYrzx", "", _PATCH_LONGS)
    if _has(opts, "B", "Y", "z", "prefix", "basename-prefix", "suffix"):
        raise _Unknown("patch backups elsewhere")
    if _has(opts, "dry-run"):
        return []
    dirs = _vals(opts, "d", "directory") or [_DOT]
    extra = [a for a in _vals(opts, "o", "output", "r", "reject-file") + operands[:1] if a.argv != "-"]
    return dirs + [_child(d, a) for d in dirs for a in extra]


_RSYNC_LONGS = _longs("""verbose quiet no-motd checksum archive recursive relative no-relative no-implied-dirs backup
update inplace append append-verify dirs mkpath links copy-links copy-unsafe-links safe-links munge-links
copy-dirlinks keep-dirlinks hard-links perms executability acls xattrs owner group devices specials copy-devices
write-devices times atimes open-noatime crtimes omit-dir-times omit-link-times super fake-super sparse preallocate
dry-run whole-file one-file-system existing ignore-existing remove-source-files remove-sent-files delete
delete-before delete-during delete-delay delete-after delete-excluded ignore-missing-args delete-missing-args
ignore-errors force partial delay-updates prune-empty-dirs numeric-ids ignore-times size-only compress cvs-exclude
from0 protect-args secluded-args trust-sender stats 8-bit-output human-readable progress itemize-changes list-only
ipv4 ipv6 version help no-perms no-owner no-group no-times no-recursive no-dirs no-links no-devices no-specials
no-whole-file no-compress no-inc-recursive inc-recursive msgs2stderr no-msgs2stderr blocking-io no-blocking-io
fsync copy-as= info= debug= stderr= rsync-path= exclude= include= exclude-from= include-from= files-from= filter=
chmod= chown= usermap= groupmap= suffix= compare-dest= copy-dest= link-dest= timeout= contimeout= bwlimit=
max-size= min-size= max-delete= max-alloc= modify-window= out-format= log-file-format= port= sockopts=
password-file= early-input= iconv= block-size= checksum-choice= compress-choice= compress-level= skip-compress=
checksum-seed= protocol= address= outbuf= stop-after= stop-at= time-limit= remote-option= read-batch= temp-dir=
partial-dir= backup-dir= log-file= write-batch= only-write-batch=""")
_RSYNC_WRITES = ("T", "temp-dir", "partial-dir", "backup-dir", "log-file", "write-batch", "only-write-batch")


def _rsync(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "vqcarRbudlLkKHpEAXogDtOJSnWxyCFmIhPz4680siNU", "fTBM@", "", _RSYNC_LONGS)
    out = _vals(opts, *_RSYNC_WRITES)
    if len(operands) < 2 and not _has(opts, "read-batch"):
        return out  # one operand only lists it
    if not operands or _is_remote(operands[-1].argv):
        raise _Unknown("rsync to a remote or nowhere")
    out.append(operands[-1])
    if _has(opts, "remove-source-files", "remove-sent-files"):
        out += [a for a in operands[:-1] if not _is_remote(a.argv)]
    return out


def _is_remote(text: str) -> bool:
    return text.startswith(("rsync://", "scp://", "sftp://")) or ":" in text.split("/", 1)[0]


def _scp(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    opts, operands = _getopt(args, "346ABCdfOpqRrTv", "cDFiJlmoPSX", "", _NO_LONGS)
    if _has(opts, "o", "F", "S", "D") or len(operands) < 2 or _is_remote(operands[-1].argv):
        raise _Unknown("scp")
    return operands[-1:]


def _apply_patch(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    text = _static(args)[0].argv if args else stdin
    paths = _patch_paths(text) if text else None
    if paths is None:
        raise _Unknown("patch names nothing")
    return [_Arg(p, p, p.startswith("/")) for p in paths]
