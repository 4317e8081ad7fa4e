import CLeptonSpawn
import LeptonSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The processes below a set of processes, read from `/proc`: what a stop must reach beyond a
/// child's process group. A compiler driver (`swiftc`) starts its frontends in process groups
/// of their own; killing the driver's group left them running with parent 1.
struct ProcessTree {
    /// One process to stop, named for good by its start time.
    struct Member: Sendable, Hashable {
        var pid: pid_t
        var started: UInt64
        /// Whether it leads its own process group (then the whole group is signalled).
        var leadsGroup: Bool
    }

    /// Every descendant of `roots` (not the roots themselves), from one pass over `/proc`; empty
    /// where there is no `/proc`.
    static func descendants(of roots: Set<pid_t>, fileSystem: any FileSystem = PosixFileSystem()) -> [Member] {
        guard !roots.isEmpty, let entries = try? fileSystem.list("/proc") else { return [] }
        var children: [pid_t: [(pid: pid_t, group: pid_t)]] = [:]
        for entry in entries {
            guard let pid = pid_t(entry.name), let text = try? fileSystem.readText("/proc/\(pid)/stat"),
                let close = text.lastIndex(of: ")")
            else { continue }
            // After the command name: state, ppid, pgrp, …
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let parent = pid_t(fields[1]), let group = pid_t(fields[2]) else { continue }
            children[parent, default: []].append((pid, group))
        }
        var found: [Member] = []
        var pending = Array(roots)
        var seen = roots
        while let next = pending.popLast() {
            for child in children[next] ?? [] where seen.insert(child.pid).inserted {
                found.append(
                    Member(
                        pid: child.pid, started: lepton_process_start_time(child.pid),
                        leadsGroup: child.group == child.pid))
                pending.append(child.pid)
            }
        }
        return found
    }

    /// Sends `signal` to each member still alive as the same process (and to its group when it
    /// leads one).
    static func signal(_ members: [Member], _ signal: Int32) {
        for member in members where lepton_process_start_time(member.pid) == member.started && member.started != 0 {
            kill(member.leadsGroup ? -member.pid : member.pid, signal)
        }
    }
}
