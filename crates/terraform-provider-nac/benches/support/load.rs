//! A load generator for the sandbox alone: `clients` concurrent loops, each sending its next request as
//! soon as the previous answer is in, first creates (each for its own device), then GETs of the created
//! sessions. Only answers completed after a warm-up count. The generator runs on the same 2 cores as the
//! sandbox, so the CPU each side used is reported too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::runtime::Runtime;

use super::sandbox::API_KEY;

const KEPT_IDS: usize = 8192;

pub struct LoadResult {
    pub ok: u64,
    pub errors: u64,
    pub measured: Duration,
    /// CPU seconds the sandbox process used in the measured window.
    pub server_cpu: f64,
    /// CPU seconds this (the generator's) process used in the measured window.
    pub client_cpu: f64,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.measured.as_secs_f64()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    session_id: String,
}

#[derive(Clone, Copy)]
enum Kind {
    Create,
    Get,
}

struct Counters {
    ok: AtomicU64,
    errors: AtomicU64,
}

pub struct LoadGenerator<'a> {
    pub runtime: &'a Runtime,
    pub base_url: String,
    pub sandbox_pid: u32,
    pub clients: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

impl LoadGenerator<'_> {
    /// Creates as fast as the sandbox answers; also returns some of the ids created.
    pub fn creates(&self) -> (LoadResult, Vec<String>) {
        let ids = Arc::new(Mutex::new(Vec::with_capacity(KEPT_IDS)));
        let result = self.drive(Kind::Create, Arc::new(Vec::new()), ids.clone());
        let ids = std::mem::take(&mut *ids.lock().unwrap());
        (result, ids)
    }

    /// GETs of `ids`, round robin.
    pub fn gets(&self, ids: Vec<String>) -> LoadResult {
        self.drive(Kind::Get, Arc::new(ids), Arc::new(Mutex::new(Vec::new())))
    }

    fn drive(
        &self,
        kind: Kind,
        ids: Arc<Vec<String>>,
        created: Arc<Mutex<Vec<String>>>,
    ) -> LoadResult {
        let http = {
            let _guard = self.runtime.enter();
            reqwest::Client::builder()
                .pool_max_idle_per_host(self.clients)
                .tcp_nodelay(true)
                .build()
                .expect("reqwest client")
        };
        let counters = Arc::new(Counters {
            ok: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        });
        let started = Instant::now();
        let measure_from = started + self.warmup;
        let until = measure_from + self.duration;
        let qod = format!("{}/quality-on-demand/v1", self.base_url);

        let cpu_at_start = Arc::new(Mutex::new(None));
        let tasks: Vec<_> = (0..self.clients)
            .map(|client| {
                let (http, qod, ids, created, counters) = (
                    http.clone(),
                    qod.clone(),
                    ids.clone(),
                    created.clone(),
                    counters.clone(),
                );
                self.runtime.spawn(async move {
                    let mut i = 0usize;
                    loop {
                        let now = Instant::now();
                        if now >= until {
                            break;
                        }
                        let counting = now >= measure_from;
                        let outcome = match kind {
                            Kind::Create => create(&http, &qod, client, i).await,
                            Kind::Get => {
                                let id = &ids[(client * 7919 + i) % ids.len()];
                                get(&http, &qod, id).await.map(|()| None)
                            }
                        };
                        i += 1;
                        match outcome {
                            Ok(id) => {
                                if let Some(id) = id {
                                    let mut kept = created.lock().unwrap();
                                    if kept.len() < KEPT_IDS {
                                        kept.push(id);
                                    }
                                }
                                if counting && Instant::now() <= until {
                                    counters.ok.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            Err(_) if counting => {
                                counters.errors.fetch_add(1, Ordering::Relaxed);
                            }
                            Err(_) => {}
                        }
                    }
                })
            })
            .collect();
        // CPU use is sampled at the edges of the measured window, from this thread.
        let pid = self.sandbox_pid;
        std::thread::sleep(measure_from.saturating_duration_since(Instant::now()));
        *cpu_at_start.lock().unwrap() = Some((cpu_seconds(Some(pid)), cpu_seconds(None)));
        std::thread::sleep(until.saturating_duration_since(Instant::now()));
        let (server_end, client_end) = (cpu_seconds(Some(pid)), cpu_seconds(None));
        self.runtime.block_on(async {
            for task in tasks {
                let _ = task.await;
            }
        });
        let (server_start, client_start) = cpu_at_start.lock().unwrap().unwrap_or((0.0, 0.0));
        LoadResult {
            ok: counters.ok.load(Ordering::Relaxed),
            errors: counters.errors.load(Ordering::Relaxed),
            measured: self.duration,
            server_cpu: server_end - server_start,
            client_cpu: client_end - client_start,
        }
    }
}

async fn create(
    http: &reqwest::Client,
    qod: &str,
    client: usize,
    i: usize,
) -> Result<Option<String>, ()> {
    let body = format!(
        r#"{{"qosProfile":"DOWNLINK_L_UPLINK_L","device":{{"networkAccessIdentifier":"load-{client}-{i}@bench.example"}},"applicationServer":{{"ipv4Address":"233.252.0.9"}},"duration":3600}}"#
    );
    let response = http
        .post(format!("{qod}/sessions"))
        .header("x-rapidapi-key", API_KEY)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .map_err(drop)?;
    if response.status().as_u16() != 201 {
        return Err(());
    }
    let bytes = response.bytes().await.map_err(drop)?;
    let created: Created = serde_json::from_slice(&bytes).map_err(drop)?;
    Ok(Some(created.session_id))
}

async fn get(http: &reqwest::Client, qod: &str, id: &str) -> Result<(), ()> {
    let response = http
        .get(format!("{qod}/sessions/{id}"))
        .header("x-rapidapi-key", API_KEY)
        .send()
        .await
        .map_err(drop)?;
    let ok = response.status().as_u16() == 200;
    response.bytes().await.map_err(drop)?;
    ok.then_some(()).ok_or(())
}

/// User + system CPU seconds of a process (`None`: this one), from `/proc/<pid>/stat`.
fn cpu_seconds(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".into(),
    };
    let Ok(stat) = std::fs::read_to_string(path) else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (ticks(11) + ticks(12)) / per_second
}
