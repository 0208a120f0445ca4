import Foundation
import GRDB

/// The last fire time of each scheduled pipeline, so a restarted scheduler knows what it missed.
extension StateStore {
    public func lastFire(pipeline: String) throws -> Date? {
        try read { db in
            try Double.fetchOne(db, sql: "SELECT last_fire FROM schedule_fires WHERE pipeline = ?", arguments: [pipeline])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func setLastFire(pipeline: String, _ date: Date) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO schedule_fires (pipeline, last_fire, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(pipeline) DO UPDATE SET last_fire = excluded.last_fire, updated_at = excluded.updated_at
                """, arguments: [pipeline, date.timeIntervalSince1970, Date().timeIntervalSince1970])
        }
    }
}
