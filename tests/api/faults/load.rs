//! A bounded mixed load (writers and readers in parallel) whose every answer is recorded with
//! the phase of the fault it started and ended in, so that a test can say what each phase
//! must answer.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;

use super::service::Service;
use super::{Api, cost_item};
use crate::helpers::*;

/// Whether the database is up, going down, down or coming back. Each change starts a new
/// epoch; an answer that started and ended in one epoch happened entirely in its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Up,
    Changing,
    Down,
}

pub struct Phase {
    epoch: AtomicU64,
    states: Mutex<Vec<State>>,
}

impl Phase {
    fn new() -> Self {
        Phase {
            epoch: AtomicU64::new(0),
            states: Mutex::new(vec![State::Up]),
        }
    }

    /// Starts a new epoch in `state`.
    pub fn enter(&self, state: State) {
        let mut states = self.states.lock().unwrap();
        states.push(state);
        self.epoch.store(states.len() as u64 - 1, Ordering::SeqCst);
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    pub fn state_of(&self, epoch: u64) -> State {
        self.states.lock().unwrap()[epoch as usize]
    }
}

/// What a write that was acknowledged created.
#[derive(Debug, Clone)]
pub enum Ack {
    Project { id: String, code: String },
    CostItem { id: String, description: String },
}

#[derive(Debug)]
pub struct Outcome {
    pub what: String,
    /// The status, or `None` when no answer came (connection refused, reset, timeout).
    pub status: Option<u16>,
    pub transport_error: Option<String>,
    pub elapsed: Duration,
    pub retry_after: bool,
    pub problem_json: bool,
    pub body: String,
    pub started: u64,
    pub ended: u64,
    pub ack: Option<Ack>,
}

impl Outcome {
    pub fn whole_epoch(&self) -> Option<u64> {
        (self.started == self.ended).then_some(self.started)
    }
}

pub struct Load {
    pub phase: Arc<Phase>,
    pub outcomes: Arc<Mutex<Vec<Outcome>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// Operations each task makes at most: the load is bounded even if a test forgets to stop it.
const MAX_OPERATIONS: usize = 5_000;

impl Load {
    /// Starts `writers` tasks that create projects (codes `<prefix letter>-<n>`) and cost items
    /// on `project`, and `readers` tasks that read lists, one project, its allocation and the
    /// change feed; each pauses 20 ms between requests.
    pub fn start(service: Arc<Service>, project: &str, writers: usize, readers: usize) -> Load {
        let phase = Arc::new(Phase::new());
        let outcomes = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for task in 0..writers + readers {
            let (service, phase, outcomes, stop) = (
                service.clone(),
                phase.clone(),
                outcomes.clone(),
                stop.clone(),
            );
            let project = project.to_owned();
            let writer = task < writers;
            tasks.push(actix_web::rt::spawn(async move {
                let letter = char::from(b'A' + task as u8);
                for n in 0..MAX_OPERATIONS {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let outcome = if writer {
                        write(&service, &phase, &project, letter, n).await
                    } else {
                        read(&service, &phase, &project, n).await
                    };
                    outcomes.lock().unwrap().push(outcome);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }));
        }
        Load {
            phase,
            outcomes,
            stop,
            tasks,
        }
    }

    /// Waits until `enough` holds for the outcomes so far (at most `limit`, then fails).
    pub async fn until(&self, limit: Duration, what: &str, enough: impl Fn(&[Outcome]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if enough(&self.outcomes.lock().unwrap()) {
                return;
            }
            assert!(Instant::now() < deadline, "waited in vain for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(self) -> Vec<Outcome> {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.unwrap();
        }
        std::mem::take(&mut *self.outcomes.lock().unwrap())
    }
}

/// Acknowledged writes in `epoch`.
pub fn acks_in(outcomes: &[Outcome], epoch: u64) -> usize {
    outcomes
        .iter()
        .filter(|o| o.ack.is_some() && o.whole_epoch() == Some(epoch))
        .count()
}

/// Answers that started and ended in `epoch`.
pub fn answers_in(outcomes: &[Outcome], epoch: u64) -> usize {
    outcomes
        .iter()
        .filter(|o| o.whole_epoch() == Some(epoch))
        .count()
}

async fn write(service: &Service, phase: &Phase, project: &str, letter: char, n: usize) -> Outcome {
    if n.is_multiple_of(2) {
        let code = format!("W{letter}-{}", n / 2 + 1);
        let request = service
            .call(Method::POST, "/api/v1/projects")
            .by_coordinator()
            .json(
                &serde_json::json!({"code": code, "title": format!("Last {code}"),
                                      "field_of_action": "administration", "category": "lead"}),
            );
        send(phase, format!("create project {code}"), request, |body| {
            Ack::Project {
                id: body["id"].as_str().unwrap().to_owned(),
                code: code.clone(),
            }
        })
        .await
    } else {
        let description = format!("Last {letter}{n}");
        let request = service
            .call(
                Method::POST,
                &format!("/api/v1/projects/{project}/cost-items"),
            )
            .by_coordinator()
            .json(&cost_item(&description, 1_000 + n as i64));
        send(
            phase,
            format!("create cost item {description}"),
            request,
            |body| Ack::CostItem {
                id: body["id"].as_str().unwrap().to_owned(),
                description: description.clone(),
            },
        )
        .await
    }
}

async fn read(service: &Service, phase: &Phase, project: &str, n: usize) -> Outcome {
    let path = match n % 4 {
        0 => "/api/v1/projects?limit=20".to_owned(),
        1 => format!("/api/v1/projects/{project}"),
        2 => format!("/api/v1/projects/{project}/allocation"),
        _ => "/api/v1/changes?limit=50".to_owned(),
    };
    let request = service.call(Method::GET, &path).by_coordinator();
    send(phase, format!("GET {path}"), request, |_| None::<Ack>).await
}

async fn send<A: Into<Option<Ack>>>(
    phase: &Phase,
    what: String,
    request: reqwest::RequestBuilder,
    ack: impl FnOnce(&serde_json::Value) -> A,
) -> Outcome {
    let started = phase.epoch();
    let clock = Instant::now();
    let result = request.timeout(Duration::from_secs(30)).send().await;
    let mut outcome = Outcome {
        what,
        status: None,
        transport_error: None,
        elapsed: Duration::ZERO,
        retry_after: false,
        problem_json: false,
        body: String::new(),
        started,
        ended: started,
        ack: None,
    };
    match result {
        Ok(response) => {
            let status = response.status().as_u16();
            outcome.status = Some(status);
            outcome.retry_after = response.headers().contains_key("retry-after");
            outcome.problem_json = response
                .headers()
                .get("content-type")
                .is_some_and(|v| v == "application/problem+json");
            let body = response.text().await.unwrap_or_default();
            if status == 201 {
                let value: serde_json::Value = serde_json::from_str(&body).unwrap();
                outcome.ack = ack(&value).into();
            } else if !(200..300).contains(&status) {
                outcome.body = body;
            }
        }
        Err(error) => outcome.transport_error = Some(error.to_string()),
    }
    outcome.elapsed = clock.elapsed();
    outcome.ended = phase.epoch();
    outcome
}
