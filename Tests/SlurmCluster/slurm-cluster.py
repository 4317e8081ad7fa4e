#!/usr/bin/env python3
"""A real single-node Slurm cluster on loopback for Lepton's tests and benchmarks.

Starts Debian's munged, slurmctld and slurmd (slurm-wlm 22.05) in a private folder with free
ports and a generated slurm.conf (select/cons_tres, proctrack/linuxproc, task/none, memory
enforced by jobacct_gather's OverMemoryKill), one node "lepton-node" with the machine's cores
and 4000 MiB, partition "debug". Prints one JSON line

  {"conf": ".../slurm.conf", "dir": "...", "node": "lepton-node", "bin": "/usr/bin"}

once `sinfo` answers, then waits until its standard input closes (or SIGTERM), and stops the
daemons and removes the folder. Clients reach it with SLURM_CONF set to "conf".

  python3 Tests/SlurmCluster/slurm-cluster.py --install   # apt-get install slurm-wlm munge first

With --default-config it also copies the configuration to /etc/slurm/slurm.conf when there is
none (and removes it when it stops): for tools whose jobs clear SLURM_CONF before calling srun
(Snakemake's job-step executor does), as on a real cluster where that file exists.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

PACKAGES = ["slurm-wlm", "munge"]


def install():
    if shutil.which("slurmctld") and shutil.which("munged"):
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    if subprocess.call(sudo + ["apt-get", "install", "-y", "-qq"] + PACKAGES, env=env) != 0:
        subprocess.check_call(sudo + ["apt-get", "update", "-qq"], env=env)
        subprocess.check_call(sudo + ["apt-get", "install", "-y", "-qq"] + PACKAGES, env=env)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def daemon(path):
    for folder in ("/usr/sbin", "/usr/bin"):
        candidate = os.path.join(folder, path)
        if os.path.exists(candidate):
            return candidate
    return shutil.which(path)


def main():
    if "--install" in sys.argv:
        install()
    for name in ("munged", "slurmctld", "slurmd", "sinfo"):
        if not daemon(name):
            print(json.dumps({"error": f"{name} is not installed (apt-get install slurm-wlm munge)"}), flush=True)
            return 1
    base = tempfile.mkdtemp(prefix="lepton-slurm-")
    os.chmod(base, 0o755)
    munge = os.path.join(base, "munge")
    os.makedirs(munge, mode=0o700)
    for folder in ("state", "spool"):
        os.makedirs(os.path.join(base, folder))
    key = os.path.join(munge, "munge.key")
    with open(key, "wb") as handle:
        handle.write(os.urandom(128))
    os.chmod(key, 0o600)
    socket_path = os.path.join(munge, "munge.sock")
    subprocess.check_call([daemon("munged"), "--force", f"--socket={socket_path}", f"--key-file={key}",
                           f"--log-file={munge}/munged.log", f"--pid-file={munge}/munged.pid",
                           f"--seed-file={munge}/seed"])
    user = os.environ.get("USER") or "root"
    if os.geteuid() == 0:
        user = "root"
    host = socket.gethostname().split(".")[0]
    cores = os.cpu_count() or 1
    conf = os.path.join(base, "slurm.conf")
    with open(conf, "w") as handle:
        handle.write(f"""ClusterName=lepton
SlurmctldHost={host}(127.0.0.1)
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser={user}
SlurmdUser={user}
AuthType=auth/munge
AuthInfo=socket={socket_path}
CredType=cred/munge
StateSaveLocation={base}/state
SlurmdSpoolDir={base}/spool
SlurmctldPidFile={base}/slurmctld.pid
SlurmdPidFile={base}/slurmd.pid
SlurmctldLogFile={base}/slurmctld.log
SlurmdLogFile={base}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=100
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=1
JobAcctGatherParams=OverMemoryKill
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
MinJobAge=3600
MessageTimeout=10
SlurmctldTimeout=10
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
OverTimeLimit=0
NodeName=lepton-node NodeAddr=127.0.0.1 CPUs={cores} RealMemory=4000 State=UNKNOWN
PartitionName=debug Nodes=lepton-node Default=YES MaxTime=INFINITE State=UP
""")
    env = dict(os.environ, SLURM_CONF=conf)
    system_conf = "/etc/slurm/slurm.conf"
    placed = False
    if "--default-config" in sys.argv and not os.path.exists(system_conf):
        os.makedirs(os.path.dirname(system_conf), exist_ok=True)
        shutil.copy(conf, system_conf)
        placed = True

    def stop():
        if placed:
            try:
                os.remove(system_conf)
            except OSError:
                pass
        for name in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
            try:
                with open(os.path.join(base, name)) as handle:
                    os.kill(int(handle.read().strip()), signal.SIGTERM)
            except (OSError, ValueError):
                pass
        time.sleep(0.5)
        shutil.rmtree(base, ignore_errors=True)

    try:
        subprocess.check_call([daemon("slurmctld"), "-f", conf, "-c", "-i"], env=env)
        subprocess.check_call([daemon("slurmd"), "-f", conf, "-N", "lepton-node"], env=env)
        deadline = time.time() + 30
        while True:
            state = subprocess.run([daemon("sinfo"), "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            if state.returncode == 0 and state.stdout.strip() in ("idle", "mixed", "allocated"):
                break
            if time.time() > deadline:
                raise RuntimeError(f"the node did not come up: {state.stdout.strip()} {state.stderr.strip()}")
            time.sleep(0.2)
    except Exception as error:  # report, clean up, fail
        print(json.dumps({"error": str(error), "dir": base}), flush=True)
        stop()
        return 1
    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    print(json.dumps({"conf": conf, "dir": base, "node": "lepton-node",
                      "bin": os.path.dirname(daemon("sinfo"))}), flush=True)
    try:
        sys.stdin.read()
    finally:
        stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
