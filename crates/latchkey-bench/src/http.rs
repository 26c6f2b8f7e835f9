//! A minimal HTTP/1.1 client for the load phases: one keep-alive connection per worker,
//! the request written in one piece, the response read by its `Content-Length`.
//!
//! Why not a general client: the bench shares the cores with the server, and every
//! microsecond the load generator spends is one the server does not get. A general
//! client parses the URL, looks up its connection pool, builds header maps and hands the
//! request to a connection task on every call; this one writes bytes it prepared and
//! reads the status line and one header. The server sees the same requests either way.

use std::io;
use std::net::SocketAddr;

use tokio::net::TcpStream;

/// Longest response head accepted.
const MAX_HEAD: usize = 16 * 1024;

pub(crate) struct Connection {
    stream: TcpStream,
    request: Vec<u8>,
    response: Vec<u8>,
    /// The last response's status and where its body is in `response`.
    status: u16,
    body: std::ops::Range<usize>,
}

impl Connection {
    pub(crate) async fn open(address: SocketAddr) -> io::Result<Connection> {
        let stream = TcpStream::connect(address).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            request: Vec::with_capacity(2048),
            response: Vec::with_capacity(4096),
            status: 0,
            body: 0..0,
        })
    }

    /// The status and the body of the last answer.
    pub(crate) fn last_response(&self) -> (u16, &[u8]) {
        (self.status, &self.response[self.body.clone()])
    }

    /// Posts an `application/x-www-form-urlencoded` body to `path` and reads the answer
    /// (`last_response`).
    pub(crate) async fn post_form(
        &mut self,
        host: &str,
        path: &str,
        body: &[u8],
    ) -> io::Result<()> {
        self.request.clear();
        self.request.extend_from_slice(b"POST ");
        self.request.extend_from_slice(path.as_bytes());
        self.request.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        self.request.extend_from_slice(host.as_bytes());
        self.request.extend_from_slice(
            b"\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ",
        );
        self.request.extend_from_slice(body.len().to_string().as_bytes());
        self.request.extend_from_slice(b"\r\n\r\n");
        self.request.extend_from_slice(body);
        let mut written = 0;
        while written < self.request.len() {
            self.stream.writable().await?;
            match self.stream.try_write(&self.request[written..]) {
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }

        self.response.clear();
        let mut searched = 0;
        let head_length = loop {
            // Only the bytes read since the last look (and the three before them).
            if let Some(end) = find(&self.response[searched..], b"\r\n\r\n") {
                break searched + end + 4;
            }
            searched = self.response.len().saturating_sub(3);
            if self.response.len() > MAX_HEAD {
                return Err(invalid("response head too long"));
            }
            self.read_more().await?;
        };
        let (status, body_length) = parse_head(&self.response[..head_length])?;
        while self.response.len() < head_length + body_length {
            self.read_more().await?;
        }
        self.status = status;
        self.body = head_length..head_length + body_length;
        Ok(())
    }

    async fn read_more(&mut self) -> io::Result<()> {
        let filled = self.response.len();
        self.response.resize(filled + 4096, 0);
        let read = loop {
            match self.stream.try_read(&mut self.response[filled..]) {
                Ok(n) => break Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if let Err(e) = self.stream.readable().await {
                        break Err(e);
                    }
                }
                Err(e) => break Err(e),
            }
        };
        self.response.truncate(filled + *read.as_ref().unwrap_or(&0));
        match read? {
            0 => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed")),
            _ => Ok(()),
        }
    }
}

/// The status code and `Content-Length` of a response head.
fn parse_head(head: &[u8]) -> io::Result<(u16, usize)> {
    let head = std::str::from_utf8(head).map_err(|_| invalid("response head not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("bad status line"))?;
    let length = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .ok_or_else(|| invalid("response without Content-Length"))?;
    Ok((status, length))
}

/// Where `needle` starts in `haystack`: candidates are the positions of its first byte.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(at) = haystack[from..].iter().position(|byte| *byte == first) {
        let start = from + at;
        if haystack[start + 1..].starts_with(rest) {
            return Some(start);
        }
        from = start + 1;
    }
    None
}

fn invalid(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}
