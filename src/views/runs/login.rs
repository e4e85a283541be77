//! The Dex password prompt of the runs screen: opened when a KFP request
//! through the Kubeflow endpoint needs a password (none from
//! `KFTUI_DEX_PASSWORD`), when the session cookie expired, or after a wrong
//! password. Typed characters show as dots only; the password leaves this
//! state once, moved into the login request, and is never rendered, logged
//! or saved. The login itself runs in `kube::dex`; its answer comes back as
//! an API result.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use crate::app::theme::Theme;
use crate::kube::dex::{self, Password};
use crate::kube::errors::ApiFailure;
use crate::kube::kfp::Endpoint;
use crate::kube::types::ApiOp;

/// The open prompt.
#[derive(Debug, Default)]
pub struct LoginPrompt {
    pub url: String,
    pub login: String,
    /// Why it is asked (first login, expired, wrong password).
    pub why: String,
    input: Password,
    /// The login request in flight.
    pub pending: Option<u64>,
}

/// What a login answer means for the screen.
pub enum Outcome {
    /// Logged in: ask the KFP API again.
    LoggedIn(String),
    /// Still asking (wrong password, or the endpoint failed): the prompt
    /// stays with the reason.
    Again,
}

impl LoginPrompt {
    /// A prompt for a KFP request that failed for want of a (valid) login.
    pub fn for_failure(e: &ApiFailure, endpoint: &Endpoint) -> Option<LoginPrompt> {
        let ingress = endpoint.ingress.as_ref()?;
        let why = match e.reason.as_str() {
            dex::NEED_PASSWORD => format!("The Dex login needs the password of {}.", ingress.login),
            dex::SESSION_EXPIRED => "The Dex session expired: log in again.".to_string(),
            dex::WRONG_PASSWORD => format!("Wrong password for {}: try again.", ingress.login),
            _ => return None,
        };
        Some(LoginPrompt {
            url: ingress.url.clone(),
            login: ingress.login.clone(),
            why,
            ..LoginPrompt::default()
        })
    }

    /// Characters typed so far.
    pub fn typed(&self) -> usize {
        self.input.len()
    }

    /// Typing: characters, backspace, ctrl-u clears.
    pub fn on_key(&mut self, key: KeyEvent) {
        if self.pending.is_some() {
            return;
        }
        match key.code {
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.input.wipe()
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.input.push(c)
            }
            KeyCode::Backspace => self.input.pop(),
            _ => {}
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        if self.pending.is_none() {
            for c in text.chars().filter(|c| !c.is_control()) {
                self.input.push(c);
            }
        }
    }

    /// The login request for what was typed (moved out, the field emptied);
    /// `None` while nothing is typed or a login is in flight.
    pub fn submit(&mut self) -> Option<ApiOp> {
        if self.input.is_empty() || self.pending.is_some() {
            return None;
        }
        let password = std::mem::take(&mut self.input);
        Some(ApiOp::DexLogin {
            url: self.url.clone(),
            login: self.login.clone(),
            password,
        })
    }

    /// The login's answer.
    pub fn answer(&mut self, result: &Result<serde_json::Value, ApiFailure>) -> Outcome {
        self.pending = None;
        match result {
            Ok(_) => Outcome::LoggedIn(format!(
                "logged in to Dex at {} as {}",
                self.url, self.login
            )),
            Err(e) if e.reason == dex::WRONG_PASSWORD => {
                self.why = format!("Wrong password for {}: try again.", self.login);
                Outcome::Again
            }
            Err(e) => {
                self.why = format!("The login failed: {e}");
                Outcome::Again
            }
        }
    }

    /// A centred box: where, as whom, why, the dots.
    pub fn render(&self, t: &Theme, area: Rect, buf: &mut Buffer) {
        let w = area.width.saturating_sub(4).min(72);
        let h = 8.min(area.height);
        if w < 20 || h < 5 {
            return;
        }
        let r = Rect {
            x: area.x + (area.width - w) / 2,
            y: area.y + (area.height - h) / 2,
            width: w,
            height: h,
        };
        Clear.render(r, buf);
        let dot = if t.ascii { "*" } else { "•" };
        let dots = dot.repeat(self.typed());
        let state = if self.pending.is_some() {
            "logging in…"
        } else {
            "enter log in · esc cancel"
        };
        let lines = vec![
            Line::styled(self.why.clone(), t.warn),
            Line::styled(format!("{} as {}", self.url, self.login), t.dim),
            Line::from(""),
            Line::styled(
                format!("Password: {dots}{}", if t.ascii { "_" } else { "▏" }),
                t.base,
            ),
            Line::styled(state, t.dim),
        ];
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(t.border_focus)
                    .title(" Dex login "),
            )
            .render(r, buf);
    }
}

impl super::RunsView {
    /// Opens the prompt when a KFP answer says a login is needed (once per
    /// failure; not again after the user declined until ctrl-r).
    pub(super) fn prompt_for(&mut self, e: &ApiFailure) {
        if self.login.is_some() || self.login_declined {
            return;
        }
        self.login = LoginPrompt::for_failure(e, &self.kfp.endpoint);
    }

    /// Keys while the prompt is open: enter logs in, esc cancels, the rest
    /// is swallowed (nothing behind the prompt acts).
    pub(super) fn login_action(
        &mut self,
        action: crate::app::action::Action,
        cx: &mut crate::views::Cx,
    ) -> crate::views::Handled {
        use crate::app::action::Action;
        let Some(p) = self.login.as_mut() else {
            return crate::views::Handled::No;
        };
        match action {
            Action::Enter => match p.submit() {
                Some(op) => {
                    p.pending = Some(cx.api(op));
                }
                None if p.pending.is_none() => cx.error("type the password first"),
                None => {}
            },
            Action::Back => {
                self.login = None;
                self.login_declined = true;
                std::sync::Arc::make_mut(&mut self.kfp).source =
                    super::source::Source::WorkflowsOnly(
                        "the Dex login was cancelled (ctrl-r asks again)".into(),
                    );
            }
            _ => {}
        }
        crate::views::Handled::Yes
    }

    /// The login's answer; true when it was one.
    pub(super) fn login_event(
        &mut self,
        event: &crate::views::ViewEvent,
        cx: &mut crate::views::Cx,
    ) -> bool {
        let crate::views::ViewEvent::Api { id, result } = event else {
            return false;
        };
        let Some(p) = self.login.as_mut().filter(|p| p.pending == Some(*id)) else {
            return false;
        };
        match p.answer(result) {
            Outcome::LoggedIn(said) => {
                self.login = None;
                self.asked_for = None;
                cx.info(said);
            }
            Outcome::Again => {}
        }
        true
    }
}
