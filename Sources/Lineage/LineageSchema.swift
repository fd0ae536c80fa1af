import GRDB

/// The lineage database's schema. Migrations are append-only: a shipped migration is never
/// edited; changes arrive as new ones.
enum LineageSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "git_snapshots") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("in_repository", .boolean).notNull()
                t.column("commit", .text)
                t.column("branch", .text)
                t.column("remote", .text)
                t.column("dirty", .boolean).notNull()
                t.column("untracked", .text).notNull()
                t.column("diff_object", .text)
                t.column("workdir", .text)
            }
            try db.create(table: "environments") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("os", .text).notNull()
                t.column("architecture", .text).notNull()
                t.column("cpu_model", .text).notNull()
                t.column("cpu_flags", .text).notNull()
                t.column("cpu_count", .integer).notNull()
                t.column("blas_core", .text).notNull()
                t.column("blas_threads", .integer).notNull()
                t.column("blas_config", .text).notNull()
                t.column("blas_core_override", .text)
                t.column("swift_version", .text).notNull()
                t.column("tool_version", .text).notNull()
            }
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("experiment", .text).notNull().indexed()
                t.column("name", .text).notNull()
                t.column("spec_object", .text)
                t.column("git_snapshot_id", .integer).references("git_snapshots")
                t.column("environment_id", .integer).references("environments")
                t.column("status", .text).notNull()
                t.column("started_at", .datetime).notNull().indexed()
                t.column("finished_at", .datetime)
                t.column("group_id", .text).indexed()
                t.column("seed", .integer)
                t.column("pid", .integer)
                t.column("error", .text)
            }
            try db.create(table: "steps") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade).indexed()
                t.column("name", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("key", .text).notNull().indexed()
                t.column("status", .text).notNull()
                t.column("cached_from", .integer).references("steps")
                t.column("started_at", .datetime).notNull()
                t.column("finished_at", .datetime)
                t.column("error", .text)
            }
            try db.create(table: "artifacts") { t in
                t.primaryKey("id", .text)
                t.column("kind", .text).notNull()
                t.column("name", .text).notNull()
                t.column("size", .integer).notNull()
            }
            try db.create(table: "step_edges") { t in
                t.column("step_id", .integer).notNull().references("steps", onDelete: .cascade)
                t.column("artifact_id", .text).notNull().references("artifacts").indexed()
                t.column("name", .text).notNull()
                t.column("direction", .text).notNull()
                t.primaryKey(["step_id", "direction", "name"])
            }
            try db.create(table: "params") { t in
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("step_name", .text).notNull()
                t.column("key", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["run_id", "step_name", "key"])
            }
            try db.create(table: "metrics") { t in
                t.column("run_id", .text).notNull().references("runs", onDelete: .cascade)
                t.column("step_name", .text).notNull()
                t.column("key", .text).notNull()
                t.column("value", .double).notNull()
                t.column("step_index", .integer)
            }
            try db.create(index: "metrics_by_run", on: "metrics", columns: ["run_id", "step_name", "key", "step_index"])
            try db.create(table: "pins") { t in
                t.primaryKey("name", .text)
                t.column("object_id", .text).notNull()
                t.column("created_at", .datetime).notNull()
            }
        }
        // Runs imported from a bundle may name objects the bundle left out (model weights):
        // each such id is recorded with the reason, so that verification tells a deliberate
        // absence from a lost object.
        migrator.registerMigration("v2-absent-objects") { db in
            try db.create(table: "absent_objects") { t in
                t.primaryKey("object_id", .text)
                t.column("reason", .text).notNull()
            }
        }
        return migrator
    }
}
