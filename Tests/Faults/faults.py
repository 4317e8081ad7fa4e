#!/usr/bin/env python3
"""Lepton's fault-injection suite: SIGKILL and SIGHUP at random moments, tampering with the
cache, hostile manifests, leaked credentials and lost file modes, on a copy of
Examples/classifier (folder outputs and a built-in trainer stage).

Every round checks that the next build's outputs are byte-identical to a clean build of the same
inputs in a separate copy, that every cache object hashes to its name, that nothing is said up to
date wrongly, and that nothing outside the package was written. Prints a table of rounds /
survived / lost and exits 1 if anything was lost.

    python3 Tests/Faults/faults.py                  # 20 kill rounds (quick)
    LEPTON_FAULT_ROUNDS=100 python3 Tests/Faults/faults.py   # what .ci/run runs
"""
import argparse, hashlib, json, os, random, shutil, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "Examples", "classifier")
OUTPUTS = ["data/prepared", "models", "metrics.json", "dist/model.tar"]
VARIANTS = ["0.01", "0.02", "0.05"]


def sh(args, cwd, env=None, check=False, timeout=300):
    run = subprocess.run(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    text = run.stdout.decode(errors="replace")
    if check and run.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {run.returncode}:\n{text}")
    return run.returncode, text


def tree_digest(path):
    """Digest of a file or folder's files (names and bytes), or None when absent."""
    if not os.path.lexists(path):
        return None
    h = hashlib.sha256()
    if os.path.isdir(path):
        for folder, dirs, files in sorted(os.walk(path)):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(folder, name)
                if ".lepton-tmp." in name:
                    h.update(b"LEFTOVER")
                h.update(os.path.relpath(full, path).encode() + b"\0")
                with open(full, "rb") as f:
                    h.update(f.read())
    else:
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def outputs_of(package):
    return {out: tree_digest(os.path.join(package, out)) for out in OUTPUTS}


def set_lr(package, lr):
    path = os.path.join(package, "params.yaml")
    lines = open(path).read().splitlines()
    out = []
    section = None
    for line in lines:
        if line and not line.startswith(" "):
            section = line.split(":")[0]
        if section == "train" and line.strip().startswith("lr:"):
            line = line.split("lr:")[0] + "lr: " + lr
        out.append(line)
    open(path, "w").write("\n".join(out) + "\n")


def fresh_copy(base, name):
    target = os.path.join(base, name)
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns(".lepton", "data/prepared", "models", "dist", "metrics.json"))
    return target


def objects_intact(package):
    root = os.path.join(package, ".lepton", "cache", "objects")
    bad = []
    for folder, _, files in os.walk(root):
        for name in files:
            if name.startswith("."):
                continue
            digest = os.path.basename(folder) + name
            with open(os.path.join(folder, name), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != digest:
                    bad.append(digest)
    return bad


class Suite:
    def __init__(self, lepton, base):
        self.lepton = lepton
        self.base = base
        self.results = {}  # case -> [rounds, survived, lost, notes]
        self.env = dict(os.environ, NO_COLOR="1")
        self.outside = os.path.join(base, "outside-marker")

    def build(self, package, *extra, env=None, timeout=600):
        return sh([self.lepton, "build", "-C", package, *extra], package, env=env or self.env, timeout=timeout)

    def record(self, case, ok, note=""):
        entry = self.results.setdefault(case, [0, 0, 0, []])
        entry[0] += 1
        entry[1 if ok else 2] += 1
        if not ok and note:
            entry[3].append(note)
            print(f"  LOST [{case}] {note}", flush=True)

    def references(self):
        self.reference = {}
        for lr in VARIANTS:
            copy = fresh_copy(self.base, f"reference-{lr}")
            set_lr(copy, lr)
            code, text = self.build(copy)
            if code != 0:
                raise RuntimeError(f"reference build for lr={lr} failed:\n{text}")
            self.reference[lr] = outputs_of(copy)

    def verify(self, case, package, lr, note, gc=False):
        code, text = self.build(package, "-j2")
        problems = []
        if code != 0:
            problems.append(f"recovery build exited {code}: {text[-400:]}")
        if outputs_of(package) != self.reference[lr]:
            problems.append("outputs differ from a clean build")
        if gc:
            # A damaged object nothing needed stays until `cache gc`, which must remove it.
            sh([self.lepton, "cache", "gc", "-C", package], package, env=self.env)
        bad = objects_intact(package)
        if bad:
            problems.append(f"{len(bad)} cache object(s) do not hash to their name")
        code2, text2 = self.build(package)
        if "nothing to do" in text2 and outputs_of(package) != self.reference[lr]:
            problems.append("said up to date wrongly")
        leftovers = [n for n in os.listdir(package) if ".lepton-tmp." in n]
        if leftovers:
            problems.append(f"leftovers in the package root: {leftovers}")
        if os.path.exists(self.outside):
            problems.append("something was written outside the package")
            os.remove(self.outside)  # so that later cases are judged on their own
        self.record(case, not problems, f"{note}: {'; '.join(problems)}" if problems else "")

    # SIGKILL of `build -j2` at random moments, under changing inputs.
    def kill_rounds(self, rounds, rng):
        package = fresh_copy(self.base, "kills")
        for round_number in range(rounds):
            lr = rng.choice(VARIANTS)
            set_lr(package, lr)
            if rng.random() < 0.3:  # sometimes an edit of a source input too (reverted below)
                os.utime(os.path.join(package, "data/raw.csv"))
            written = open(os.path.join(package, "params.yaml")).read()
            # Sometimes a build with --set: killed while the params file is overlaid, the next
            # command must put it back, and the next build must build the file's values.
            extra = ["--set", "train.lr=" + rng.choice(VARIANTS)] if rng.random() < 0.3 else []
            process = subprocess.Popen(
                [self.lepton, "build", "-C", package, "-j2", *extra], cwd=package, env=self.env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.0, 2.5)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait()
            case = "SIGKILL build -j2 --set" if extra else "SIGKILL build -j2"
            self.verify(case, package, lr, f"round {round_number} lr={lr} {' '.join(extra)} after {delay:.2f}s")
            if open(os.path.join(package, "params.yaml")).read() != written:
                self.record(case, False, f"round {round_number}: params.yaml was not put back")

    # SIGKILL of checkout, gc, sweep and train.
    def kill_other_commands(self, rounds, rng):
        package = fresh_copy(self.base, "commands")
        for lr in VARIANTS:
            set_lr(package, lr)
            self.build(package)
        for round_number in range(rounds):
            command = rng.choice(["checkout", "gc", "sweep", "train"])
            lr = rng.choice(VARIANTS)
            set_lr(package, lr)
            if command == "checkout":
                _, runs = sh([self.lepton, "runs", "-C", package, "--json"], package, env=self.env)
                try:
                    ids = [run["id"] for run in json.loads(runs)["runs"]]
                except Exception:
                    ids = []
                args = [self.lepton, "checkout", "-C", package, rng.choice(ids) if ids else "latest"]
            elif command == "gc":
                args = [self.lepton, "cache", "gc", "-C", package]
            elif command == "sweep":
                args = [self.lepton, "sweep", "-C", package, "--set", "train.lr=0.01,0.02,0.05", "-j", "2"]
            else:
                args = [self.lepton, "build", "-C", package, "--force", "train"]
            process = subprocess.Popen(args, cwd=package, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.0, 1.5)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.verify(f"SIGKILL {command}", package, lr, f"round {round_number} after {delay:.2f}s")

    # Tampering with objects and run entries: flip, truncate, delete, swap.
    def tamper(self, rng):
        package = fresh_copy(self.base, "tamper")
        lr = VARIANTS[0]
        set_lr(package, lr)
        self.build(package)
        objects_root = os.path.join(package, ".lepton", "cache", "objects")
        runs_log = os.path.join(package, ".lepton", "cache", "runs.log")

        def candidates(how):
            if how.startswith("entry"):  # the run-cache entries are lines of one file
                return [runs_log] if os.path.exists(runs_log) and os.path.getsize(runs_log) > 0 else []
            return [os.path.join(d, f) for d, _, fs in os.walk(objects_root) for f in fs if not f.startswith(".")]

        for how in ["flip", "truncate", "delete", "swap", "entry-flip", "entry-truncate", "entry-delete"]:
            shutil.rmtree(os.path.join(package, "models"), ignore_errors=True)
            os.remove(os.path.join(package, "metrics.json")) if os.path.exists(os.path.join(package, "metrics.json")) else None
            files = candidates(how)
            if len(files) < (1 if how.startswith("entry") else 2):  # gc of an earlier case left too little: refill
                self.build(package, "--force", "prepare", "--force", "train", "--force", "evaluate")
                files = candidates(how)
            victim = rng.choice(files)
            os.chmod(victim, 0o644)
            data = open(victim, "rb").read()
            if how.endswith("flip") and data:
                index = rng.randrange(len(data))
                data = data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1:]
                open(victim, "wb").write(data)
            elif how.endswith("truncate"):
                open(victim, "wb").write(data[: len(data) // 2])
            elif how.endswith("delete"):
                os.remove(victim)
            elif how == "swap":
                other = rng.choice([f for f in files if f != victim])
                os.chmod(other, 0o644)
                a, b = open(victim, "rb").read(), open(other, "rb").read()
                open(victim, "wb").write(b)
                open(other, "wb").write(a)
            self.verify(f"tamper {how}", package, lr, how, gc=True)
            # clean and checkout must never drop the only intact copy
            sh([self.lepton, "clean", "-C", package], package, env=self.env)
            self.verify(f"tamper {how} + clean", package, lr, how, gc=True)

    # A hostile local run-cache entry whose folder manifest climbs out, or plants a file through
    # a symlink entry: a build must refuse it and write nothing outside.
    def hostile_manifests(self):
        package = fresh_copy(self.base, "hostile")
        lr = VARIANTS[0]
        set_lr(package, lr)
        self.build(package)
        lock = json.load(open(os.path.join(package, "Lepton.lock")))
        stage = lock["stages"]["prepare"]
        key = stage["key"]
        planted = b"planted\n"
        planted_digest = hashlib.sha256(planted).hexdigest()
        link_text = self.base.encode()
        link_digest = hashlib.sha256(link_text).hexdigest()
        marker = os.path.relpath(self.outside, os.path.join(package, "data/prepared"))
        for name, manifest in [
            ("manifest ..", f"f {planted_digest} {marker}\n"),
            ("manifest absolute", f"f {planted_digest} {self.outside}\n"),
            ("manifest symlink then file", f"l {link_digest} evil\nf {planted_digest} evil/outside-marker\n"),
        ]:
            objects = os.path.join(package, ".lepton", "cache", "objects")
            for digest, data in [(planted_digest, planted), (link_digest, link_text), (None, manifest.encode())]:
                digest = digest or hashlib.sha256(data).hexdigest()
                os.makedirs(os.path.join(objects, digest[:2]), exist_ok=True)
                path = os.path.join(objects, digest[:2], digest[2:])
                if not os.path.exists(path):
                    open(path, "wb").write(data)
            manifest_digest = hashlib.sha256(manifest.encode()).hexdigest()
            # The log's last line of a key wins: append the hostile version of the entry.
            runs_log = os.path.join(package, ".lepton", "cache", "runs.log")
            lines = [line for line in open(runs_log, "rb").read().split(b"\n") if line.startswith(key.encode() + b" ")]
            entry = json.loads(lines[-1][len(key) + 1:])
            entry["outputs"]["data/prepared"] = {"kind": "folder", "digest": manifest_digest}
            with open(runs_log, "ab") as handle:
                handle.write(f"{key} {json.dumps(entry, separators=(',', ':'))}\n".encode())
            shutil.rmtree(os.path.join(package, "data/prepared"), ignore_errors=True)
            os.remove(os.path.join(package, "Lepton.lock"))  # so the entry is looked up
            self.verify(f"hostile {name}", package, lr, name)

    # SIGKILL / SIGHUP of Lepton alone while a stage keeps writing: the stage must not outlive it
    # and write into the next run's outputs.
    def kill_lepton_alone(self):
        package = os.path.join(self.base, "writer")
        os.makedirs(package)
        # A real program (not a shell loop): the stage's process is Python, as in DVC projects.
        open(os.path.join(package, "writer.py"), "w").write(
            "import os, time\n"
            "open('pid', 'w').write(str(os.getpid()))\n"
            "os.makedirs('out', exist_ok=True)\n"
            "with open('out/log', 'a') as f:\n"
            "    for i in range(1, 201):\n"
            "        f.write(f'{i}\\n'); f.flush(); time.sleep(0.02)\n")
        open(os.path.join(package, "Leptonfile"), "w").write(
            'import LeptonDescription\n'
            'let pipeline = Pipeline(stages: [\n'
            '    .stage(name: "write", command: "python3 writer.py", inputs: ["in.txt"], code: ["writer.py"],\n'
            '           outputs: [.folder("out")])\n'
            '])\n')
        for sig, name in [(signal.SIGKILL, "SIGKILL"), (signal.SIGHUP, "SIGHUP")]:
            open(os.path.join(package, "in.txt"), "w").write(name + "\n")
            self.build(package, "-n")  # evaluate the Leptonfile first
            process = subprocess.Popen([self.lepton, "build", "-C", package], cwd=package, env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.time() + 20
            while not os.path.exists(os.path.join(package, "pid")) and time.time() < deadline:
                time.sleep(0.02)
            time.sleep(0.3)
            process.send_signal(sig)
            process.wait()
            time.sleep(0.5)
            pid = int(open(os.path.join(package, "pid")).read().split()[0])
            alive = os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"
            os.remove(os.path.join(package, "pid"))
            code, text = self.build(package)
            lines = open(os.path.join(package, "out", "log")).read().split()
            complete = lines == [str(i) for i in range(1, 201)]
            ok = not alive and code == 0 and complete
            self.record(f"{name} of lepton alone", ok,
                        f"stage alive={alive}, next build exit {code}, output complete={complete}")

    # Credentials never reach a stage, and restored outputs keep their mode.
    def credentials_and_modes(self):
        package = os.path.join(self.base, "secrets")
        os.makedirs(package)
        open(os.path.join(package, "Leptonfile"), "w").write(
            'import LeptonDescription\n'
            'let pipeline = Pipeline(stages: [\n'
            '    .stage(name: "env", command: "env > env.txt; echo s > secret.txt; chmod 600 secret.txt",\n'
            '           outputs: ["env.txt", "secret.txt"])\n'
            '])\n')
        env = dict(self.env, LEPTON_REMOTE_TOKEN="tok-123-secret", LEPTON_REMOTE_PASSWORD="pw-456-secret",
                   LEPTON_REMOTE_USER="user-789-secret", NETRC="/nonexistent/netrc-secret")
        code, _ = self.build(package, env=env)
        dump = open(os.path.join(package, "env.txt")).read()
        leaked = [s for s in ["tok-123-secret", "pw-456-secret", "user-789-secret", "netrc-secret"] if s in dump]
        self.record("credentials hidden from stages", code == 0 and not leaked, f"leaked: {leaked}")
        sh([self.lepton, "clean", "-C", package], package, env=self.env)
        old = os.umask(0o022)
        self.build(package)
        os.umask(old)
        mode = os.stat(os.path.join(package, "secret.txt")).st_mode & 0o777
        self.record("restored mode kept", mode == 0o600, f"secret.txt came back {oct(mode)}")

    # --set and sweep must be seen by a script that reads the params file itself (DVC style), and
    # what is cached under an overridden key must be what the stage produced from that value.
    def overrides_seen_by_scripts(self):
        package = os.path.join(self.base, "overrides")
        os.makedirs(package)
        open(os.path.join(package, "params.yaml"), "w").write("# hand-tuned\ntrain:\n  n_est: 50\n")
        open(os.path.join(package, "Leptonfile"), "w").write(
            'import LeptonDescription\n'
            'let pipeline = Pipeline(stages: [\n'
            '    .stage(name: "train", command: "awk \'/n_est:/ {print $2}\' params.yaml > model.txt",\n'
            '           params: ["train.n_est"], outputs: ["model.txt"])\n'
            '])\n')
        def model():
            return open(os.path.join(package, "model.txt")).read().strip()
        def params_text():
            return open(os.path.join(package, "params.yaml")).read()
        original = params_text()
        self.build(package)
        code, _ = self.build(package, "--set", "train.n_est=100")
        ok = code == 0 and model() == "100" and params_text() == original
        self.record("--set seen by a script", ok, f"exit {code}, model {model()}, params restored {params_text() == original}")
        code, _ = sh([self.lepton, "sweep", "-C", package, "--set", "train.n_est=60,70", "-j", "2"], package, env=self.env)
        ok = code == 0 and model() == "50" and params_text() == original
        self.record("sweep seen by a script", ok, f"exit {code}, model {model()}")
        for value in ["100", "60", "70"]:
            open(os.path.join(package, "params.yaml"), "w").write(f"# hand-tuned\ntrain:\n  n_est: {value}\n")
            code, _ = self.build(package)
            self.record("restore after a real edit", code == 0 and model() == value,
                        f"params say {value}, restored model says {model()}")

    def report(self):
        print()
        print(f"{'case':44} {'rounds':>7} {'survived':>9} {'lost':>5}")
        total = [0, 0, 0]
        for case, (rounds, survived, lost, _) in self.results.items():
            print(f"{case:44} {rounds:7} {survived:9} {lost:5}")
            total = [total[0] + rounds, total[1] + survived, total[2] + lost]
        print(f"{'total':44} {total[0]:7} {total[1]:9} {total[2]:5}")
        # Again at the end, where a truncated CI log still shows them.
        for case, (_, _, _, notes) in self.results.items():
            for note in notes:
                print(f"LOST [{case}] {note}")
        print(f"{total[1]} passed, {total[2]} failed")
        return total[2] == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lepton", default=os.path.join(ROOT, ".build", "debug", "lepton"))
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("LEPTON_FAULT_ROUNDS", "20")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("LEPTON_FAULT_SEED", "1")))
    args = parser.parse_args()
    if not os.path.exists(args.lepton):
        sh(["swift", "build", "--product", "lepton"], ROOT, check=True, timeout=3600)
    rng = random.Random(args.seed)
    base = tempfile.mkdtemp(prefix="lepton-faults-")
    try:
        suite = Suite(os.path.abspath(args.lepton), base)
        print(f"fault suite: {args.rounds} kill rounds, seed {args.seed}, in {base}", flush=True)
        suite.references()
        suite.kill_lepton_alone()
        suite.credentials_and_modes()
        suite.overrides_seen_by_scripts()
        suite.hostile_manifests()
        suite.tamper(rng)
        suite.kill_other_commands(max(8, args.rounds // 4), rng)
        suite.kill_rounds(args.rounds, rng)
        ok = suite.report()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
