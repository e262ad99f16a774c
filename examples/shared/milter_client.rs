//! What the example milter clients share: opening a connection to a milter the way an MTA
//! names it (`inet:HOST:PORT` or `unix:PATH`).

use indymilter_test::TestConnection;
use std::time::Duration;

/// Opens a milter connection; the error names the address.
pub async fn open(addr: &str) -> std::io::Result<TestConnection> {
    let builder = TestConnection::configure().read_timeout(Duration::from_secs(30));
    let conn = if let Some(path) = addr.strip_prefix("unix:") {
        builder.open_unix(path).await
    } else {
        builder
            .open_tcp(addr.strip_prefix("inet:").unwrap_or(addr))
            .await
    };
    conn.map_err(|e| std::io::Error::other(format!("{addr}: {e}")))
}
