//! Real Redis servers for tests: standalone, a 3-master Cluster, and a master watched by a
//! Sentinel, each on free loopback ports in a temporary directory, stopped (by PID) when
//! dropped. Needs `redis-server` and `redis-cli` (scripts/test.sh installs them).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn free_port() -> u16 {
    // Cluster nodes also use port + 10000 for their bus: keep clear of the top of the range.
    loop {
        let p = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if p < 55000 && TcpListener::bind(("127.0.0.1", p + 10000)).is_ok() {
            return p;
        }
    }
}

fn require(tool: &str) {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "{tool} is not installed: run scripts/test.sh (as root it installs redis-server and redis-tools)"
    );
}

fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .arg("-p")
        .arg(port.to_string())
        .args(args)
        .output()
        .expect("redis-cli");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One redis-server process.
pub struct Server {
    pub port: u16,
    dir: PathBuf,
    args: Vec<String>,
    child: Option<Child>,
}

impl Server {
    fn spawn(dir: &Path, port: u16, extra: &[String]) -> Server {
        require("redis-server");
        require("redis-cli");
        // A configuration file must come first; Sentinel mode needs one.
        let (conf, extra) = match extra.first() {
            Some(f) if f.ends_with(".conf") => (vec![f.clone()], &extra[1..]),
            _ => (Vec::new(), extra),
        };
        let mut args = conf;
        args.extend(
            [
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        args.extend(extra.iter().cloned());
        let mut s = Server {
            port,
            dir: dir.to_path_buf(),
            args,
            child: None,
        };
        s.start();
        s
    }

    /// Starts (again) on the same port.
    pub fn start(&mut self) {
        let log = std::fs::File::create(self.dir.join(format!("redis-{}.log", self.port))).unwrap();
        let child = Command::new("redis-server")
            .args(&self.args)
            .current_dir(&self.dir)
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let port = self.port;
        wait_for("redis-server", || cli(port, &["PING"]) == "PONG");
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn cli(&self, args: &[&str]) -> String {
        cli(self.port, args)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A standalone server.
pub struct Standalone {
    pub server: Server,
    _dir: tempfile::TempDir,
}

impl Standalone {
    pub fn start() -> Standalone {
        let dir = tempfile::tempdir().unwrap();
        let server = Server::spawn(dir.path(), free_port(), &[]);
        Standalone { server, _dir: dir }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.server.port)
    }
}

/// A 3-master cluster made with `redis-cli --cluster create`.
pub struct Cluster {
    pub nodes: Vec<Server>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    /// Three masters, no replicas.
    pub fn start() -> Cluster {
        Self::start_with(0)
    }

    /// Three masters with `replicas` replicas each.
    pub fn start_with(replicas: usize) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let mut nodes = Vec::new();
        for i in 0..3 * (1 + replicas) {
            let d = dir.path().join(format!("n{i}"));
            std::fs::create_dir_all(&d).unwrap();
            let extra: Vec<String> = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "1000",
                // A replica may take over however long it was apart from its master.
                "--cluster-replica-validity-factor",
                "0",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            nodes.push(Server::spawn(&d, free_port(), &extra));
        }
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .output()
            .expect("redis-cli --cluster create");
        assert!(
            out.status.success(),
            "cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        for n in &nodes {
            wait_for("cluster state ok", || {
                n.cli(&["CLUSTER", "INFO"]).contains("cluster_state:ok")
            });
        }
        Cluster { nodes, _dir: dir }
    }

    pub fn url(&self) -> String {
        let hosts: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// Index of a node that is a master now.
    pub fn a_master(&self) -> usize {
        self.nodes
            .iter()
            .position(|n| n.cli(&["ROLE"]).starts_with("master"))
            .expect("a master")
    }
}

/// A master and one Sentinel watching it as service `musaid-test`.
pub struct Sentinel {
    pub master: Server,
    pub sentinel: Server,
    _dir: tempfile::TempDir,
}

impl Sentinel {
    pub fn start() -> Sentinel {
        let dir = tempfile::tempdir().unwrap();
        let master = Server::spawn(dir.path(), free_port(), &[]);
        let sport = free_port();
        let conf = dir.path().join("sentinel.conf");
        std::fs::write(
            &conf,
            format!(
                "port {sport}\nbind 127.0.0.1\nsentinel monitor musaid-test 127.0.0.1 {} 1\nsentinel down-after-milliseconds musaid-test 1000\n",
                master.port
            ),
        )
        .unwrap();
        let sentinel = Server::spawn(
            dir.path(),
            sport,
            &[conf.display().to_string(), "--sentinel".into()],
        );
        // The sentinel answers for the master once it has looked at it.
        wait_for("sentinel knows the master", || {
            sentinel
                .cli(&["SENTINEL", "get-master-addr-by-name", "musaid-test"])
                .contains(&master.port.to_string())
        });
        Sentinel {
            master,
            sentinel,
            _dir: dir,
        }
    }

    pub fn url(&self) -> String {
        format!(
            "redis+sentinel://127.0.0.1:{}/musaid-test/0",
            self.sentinel.port
        )
    }
}
