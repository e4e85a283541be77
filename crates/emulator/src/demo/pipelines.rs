//! stub

use super::Demo;

pub fn build(_demo: &mut Demo) {}
