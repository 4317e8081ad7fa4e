import LeptonCore

/// One line on what a command did with the remote cache.
enum RemoteReport {
    static func line(_ remote: RemoteCache) -> String {
        let stats = remote.stats
        var parts = ["remote \(remote.location): \(stats.hits) hit\(stats.hits == 1 ? "" : "s")"]
        parts.append("\(stats.misses) miss\(stats.misses == 1 ? "" : "es")")
        if stats.downloadedFiles > 0 {
            var text =
                "downloaded \(Format.bytes(stats.downloadedBytes)) in \(stats.downloadedFiles) file\(stats.downloadedFiles == 1 ? "" : "s")"
            if stats.downloadSeconds > 0 {
                text += " (\(Format.bytes(Int64(Double(stats.downloadedBytes) / stats.downloadSeconds)))/s)"
            }
            parts.append(text)
        }
        if remote.uploads {
            parts.append(
                "uploaded \(Format.bytes(stats.uploadedBytes)) in \(stats.uploadedFiles) file\(stats.uploadedFiles == 1 ? "" : "s") and \(stats.uploadedEntries) entr\(stats.uploadedEntries == 1 ? "y" : "ies")"
            )
        } else {
            parts.append("read-only")
        }
        if stats.corruptDownloads > 0 { parts.append("\(stats.corruptDownloads) corrupt download(s) discarded") }
        if stats.retries > 0 { parts.append("\(stats.retries) retr\(stats.retries == 1 ? "y" : "ies")") }
        if remote.unavailable != nil { parts.append("UNAVAILABLE") }
        return parts.joined(separator: ", ")
    }
}
