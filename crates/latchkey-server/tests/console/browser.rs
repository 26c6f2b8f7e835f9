//! A tiny browser: keeps cookies from `Set-Cookie`, sends them back, never follows
//! redirects, and reads the CSRF token out of pages.

use std::collections::BTreeMap;

use latchkey_testkit::{ADMIN_PASSWORD, ADMIN_USERNAME, TestApp};

pub struct Browser<'a> {
    pub app: &'a TestApp,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

/// What came back: status, `Location`, the raw `Set-Cookie` lines and the body.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The `value` of the first `<input name="csrf">` of the page's main content (the
    /// sign-in form's, or the first form below the masthead's sign-out form).
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.rfind(marker).expect("a CSRF field") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }

    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies.iter().find(|c| c.starts_with(&format!("{name}="))).map(String::as_str)
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(self.body.contains(text), "page lacks {text:?}: {}", self.body);
    }
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        let http =
            reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Browser { app, http, cookies: BTreeMap::new() }
    }

    /// `{base}/admin/master/console{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/admin/master/console{path}", self.app.base_url)
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            request.header("cookie", self.cookie_header())
        };
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let location = headers.get("location").map(|v| v.to_str().unwrap().to_owned());
        let set_cookies: Vec<String> =
            headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        for line in &set_cookies {
            let pair = line.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || line.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let body = response.text().await.unwrap();
        Page { status, location, set_cookies, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.http.get(self.url(path));
        self.finish(request).await
    }

    /// Posts a form to a console path, fields as given (no CSRF token added).
    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().copied())
            .finish();
        let request = self
            .http
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.finish(request).await
    }

    /// Opens `path` and posts its form with the page's CSRF token and these fields.
    pub async fn submit(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let page = self.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        let csrf = page.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        self.post(path, &all).await
    }

    /// Signs in with the sign-in form; returns the answer to the form's post.
    pub async fn sign_in_as(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = form.csrf();
        self.post("/login", &[("csrf", &csrf), ("username", username), ("password", password)])
            .await
    }

    /// Signs in as the bootstrap admin and checks it worked.
    pub async fn sign_in(&mut self) {
        let page = self.sign_in_as(ADMIN_USERNAME, ADMIN_PASSWORD).await;
        assert_eq!(page.status, 303, "{}", page.body);
        assert!(self.cookies.contains_key("LATCHKEY_CONSOLE_SESSION"));
    }
}
