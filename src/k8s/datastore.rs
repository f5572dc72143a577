//! Which container images are data stores (databases, brokers, quorum and search stores),
//! judged on the image's repository name, and where such images keep their data. Used where
//! advice only holds for stateful software: a 30 s grace period is fine for nginx and not
//! for postgres; an emptyDir at /var/lib/postgresql is data, one at /tmp is scratch.

/// A known data store: the name matched in the image and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Store {
    pub name: &'static str,
    pub what: &'static str,
}

const DATABASE: &str = "a database";
const BROKER: &str = "a message broker";
const QUORUM: &str = "a quorum store";
const SEARCH: &str = "a search engine";
const OBJECTS: &str = "an object store";
const METRICS: &str = "a time-series store";

/// Names as they appear as a word of an image's repository name (`bitnami/postgresql`,
/// `registry.k8s.io/kubernetes-zookeeper`, `cp-kafka`). A word matches when it starts with
/// the name, so `postgresql` and `mongodb` match `postgres` and `mongo`. Memcached is left
/// out on purpose: it keeps nothing worth a clean shutdown.
const STORES: &[(&str, &str)] = &[
    ("postgres", DATABASE),
    ("postgis", DATABASE),
    ("timescaledb", DATABASE),
    ("spilo", DATABASE),
    ("mysql", DATABASE),
    ("mariadb", DATABASE),
    ("percona", DATABASE),
    ("mongo", DATABASE),
    ("redis", DATABASE),
    ("valkey", DATABASE),
    ("keydb", DATABASE),
    ("dragonfly", DATABASE),
    ("cassandra", DATABASE),
    ("scylla", DATABASE),
    ("clickhouse", DATABASE),
    ("cockroach", DATABASE),
    ("yugabyte", DATABASE),
    ("tidb", DATABASE),
    ("tikv", DATABASE),
    ("neo4j", DATABASE),
    ("couchdb", DATABASE),
    ("couchbase", DATABASE),
    ("influxdb", METRICS),
    ("prometheus", METRICS),
    ("victoria", METRICS),
    ("elasticsearch", SEARCH),
    ("opensearch", SEARCH),
    ("solr", SEARCH),
    ("kafka", BROKER),
    ("rabbitmq", BROKER),
    ("nats", BROKER),
    ("pulsar", BROKER),
    ("bookkeeper", BROKER),
    ("zookeeper", QUORUM),
    ("etcd", QUORUM),
    ("consul", QUORUM),
    ("vault", QUORUM),
    ("minio", OBJECTS),
];

/// Words that make an image a helper next to a store rather than the store itself:
/// `postgres-exporter`, `mysqld-exporter`, `etcd-backup`, `mongodb-agent`,
/// `prometheus-config-reloader`, `redis-sentinel-proxy`, `kafka-ui`.
const HELPERS: &[&str] = &[
    "exporter",
    "backup",
    "agent",
    "reloader",
    "proxy",
    "operator",
    "ui",
    "client",
    "cli",
    "init",
    "sidecar",
    "express",
    "commander",
];

/// The repository name of an image reference, without registry, tag or digest:
/// `docker.io/bitnami/postgresql:16.4.0@sha256:..` gives `postgresql`.
fn repo_name(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

/// The data store an image runs, if it is a known one.
pub fn store(image: &str) -> Option<Store> {
    let name = repo_name(image).to_ascii_lowercase();
    let words: Vec<&str> = name
        .split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.iter().any(|w| HELPERS.contains(w)) {
        return None;
    }
    STORES.iter().find_map(|(n, what)| {
        words
            .iter()
            .any(|w| w.starts_with(n))
            .then_some(Store { name: n, what })
    })
}

/// Paths where data stores keep their data by convention (official images, Bitnami,
/// the Kubernetes docs examples), as prefixes: a mount at or under one of them is data.
const DATA_PATHS: &[&str] = &[
    "/var/lib/postgresql",
    "/var/lib/pgsql",
    "/home/postgres/pgdata",
    "/var/lib/mysql",
    "/var/lib/mariadb",
    "/var/lib/mongodb",
    "/data/db",
    "/var/lib/redis",
    "/var/lib/cassandra",
    "/cassandra_data",
    "/var/lib/scylla",
    "/var/lib/zookeeper",
    "/var/lib/kafka",
    "/var/lib/rabbitmq",
    "/var/lib/etcd",
    "/var/lib/clickhouse",
    "/var/lib/influxdb",
    "/var/lib/neo4j",
    "/var/lib/couchdb",
    "/opt/couchbase/var",
    "/usr/share/elasticsearch/data",
    "/usr/share/opensearch/data",
    "/var/solr",
    "/cockroach/cockroach-data",
    "/prometheus",
    "/bitnami",
    "/data",
];

/// Whether a mount path is where a data store conventionally keeps its data.
pub fn is_data_path(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    DATA_PATHS
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
}

/// Environment variables that name a store's data directory (`PGDATA=/var/lib/postgresql/data`).
pub const DATA_DIR_ENV: &[&str] = &[
    "PGDATA",
    "POSTGRESQL_VOLUME_DIR",
    "MYSQL_DATADIR",
    "MARIADB_DATA_DIR",
    "MONGODB_DATA_DIR",
    "REDIS_DATA_DIR",
    "ZOO_DATA_DIR",
    "ZOO_DATA_LOG_DIR",
    "KAFKA_LOG_DIRS",
    "RABBITMQ_MNESIA_BASE",
    "ETCD_DATA_DIR",
    "CASSANDRA_DATA_DIR",
    "ES_PATH_DATA",
    "DATA_DIR",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_are_recognised_by_repository_name() {
        for (image, name) in [
            ("postgres:16", "postgres"),
            (
                "docker.io/bitnami/postgresql:16.4.0-debian-12-r0",
                "postgres",
            ),
            (
                "registry.k8s.io/kubernetes-zookeeper:1.0-3.4.10",
                "zookeeper",
            ),
            ("gcr.io/google-samples/cassandra:v13", "cassandra"),
            ("mysql:5.7", "mysql"),
            ("percona/percona-server-mongodb:7.0", "percona"),
            ("confluentinc/cp-kafka:7.6.0", "kafka"),
            (
                "docker.elastic.co/elasticsearch/elasticsearch:8.14.1",
                "elasticsearch",
            ),
            ("quay.io/coreos/etcd:v3.5.12", "etcd"),
            ("redis@sha256:0123abcd", "redis"),
            ("localhost:5000/mongo:7", "mongo"),
            ("victoriametrics/victoria-metrics:v1.102.0", "victoria"),
        ] {
            assert_eq!(store(image).map(|s| s.name), Some(name), "{image}");
        }
    }

    #[test]
    fn helpers_and_stateless_images_are_not_stores() {
        for image in [
            "registry.k8s.io/nginx-slim:0.7",
            "memcached:1.6",
            "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
            "prom/mysqld-exporter:v0.15.1",
            "oliver006/redis_exporter:v1.62.0",
            "gcr.io/google-samples/xtrabackup:1.0",
            "quay.io/prometheus-operator/prometheus-config-reloader:v0.75.0",
            "docker.io/istio/proxyv2:1.22.0",
            "busybox:1.36",
            "mongo-express:1.0",
        ] {
            assert_eq!(store(image), None, "{image}");
        }
    }

    #[test]
    fn data_paths_are_prefixes_on_path_boundaries() {
        assert!(is_data_path("/var/lib/postgresql/data"));
        assert!(is_data_path("/bitnami/postgresql"));
        assert!(is_data_path("/data"));
        assert!(is_data_path("/data/"));
        assert!(is_data_path("/usr/share/elasticsearch/data"));
        assert!(!is_data_path("/database-scripts"));
        assert!(!is_data_path("/etc/mysql/conf.d"));
        assert!(!is_data_path("/tmp"));
        assert!(!is_data_path("/home/app"));
    }
}
