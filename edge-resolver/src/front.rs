//! A per-thread copy of the hot part of the `found` cache, so that a hit writes nothing another core reads.
//!
//! A moka hit writes shared state (the entry's access time, reference counts, a record of the read for its
//! eviction policy): with two cores answering the same hot links, those writes move cache lines between them on
//! every redirect. Each thread here keeps, for each resolver, links it found in `found`, weighed as `found` weighs
//! them up to the front's budget, and answers a link from its own copy while three things hold:
//!
//! - the memory copy's life (`CACHE_TTL_SECONDS` from when its read began) is not over: the same bound as `found`;
//! - the read was not marked forgotten while under way: a copy is only taken of a read that was not, and a read
//!   is marked later only by a forget, which the next point covers (so a copy's hit does not load the mark, whose
//!   line another core may be writing);
//! - no [`Resolver::forget`](crate::Resolver::forget) finished since the copy was taken: a forget bumps the
//!   resolver's generation once `found` no longer holds the ID, and a thread whose copies carry an older
//!   generation drops them all before it answers anything.
//!
//! So a front never answers longer, or after a change, than `found` would. It holds shared references to the
//! same reads `found` holds, never copies of links.

use std::{
    cell::RefCell,
    collections::HashMap,
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use shortener_domain::ShortId;

use crate::Read;

/// A resolver's side of the fronts: its identity, the generation that [`Front::forgot`] bumps, and the weight one
/// thread's copies may reach; past it, that thread's copies are dropped and taken again from `found`.
#[derive(Debug)]
pub(crate) struct Front {
    /// The resolver's identity, which threads file their copies under, and dropped with it: a thread drops the
    /// copies of resolvers gone when it starts keeping another's.
    identity: Arc<()>,
    generation: AtomicU64,
    budget: u64,
}

/// One thread's copies for one resolver, and the generation they were taken in.
struct Copies {
    /// The [`Front::identity`] of their resolver (kept allocated while this lives, so never another's).
    resolver: Weak<()>,
    generation: u64,
    /// Each copy with when its read began (kept here, so that the check reads this thread's memory only) and its
    /// weight.
    reads: HashMap<ShortId, (Arc<Read>, Instant, u32)>,
    weight: u64,
}

thread_local! {
    static COPIES: RefCell<Vec<Copies>> = const { RefCell::new(Vec::new()) };
}

impl Front {
    /// A front whose copies weigh at most `budget` per thread.
    pub(crate) fn new(budget: u64) -> Self {
        Self { identity: Arc::new(()), generation: AtomicU64::new(0), budget }
    }

    fn owns(&self, copies: &Copies) -> bool {
        std::ptr::eq(copies.resolver.as_ptr(), Arc::as_ptr(&self.identity))
    }

    /// The current generation: read before `found` is asked, and handed to [`Front::keep`] with what it gave.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Calls `answer` with this thread's copy of `id`, and when its read began, when it has one taken in
    /// `generation`; `answer` says whether it could use it. Copies of an older generation are dropped.
    pub(crate) fn with<R>(
        &self,
        generation: u64,
        id: &str,
        answer: impl FnOnce(&Read, Instant) -> Option<R>,
    ) -> Option<R> {
        COPIES.with(|copies| {
            let mut copies = copies.borrow_mut();
            let mine = copies.iter_mut().find(|c| self.owns(c))?;
            if mine.generation != generation {
                mine.clear(generation);
                return None;
            }
            let (read, at, _) = mine.reads.get(id)?;
            let answered = answer(read, *at);
            if answered.is_none()
                && let Some((_, _, weight)) = mine.reads.remove(id)
            {
                mine.weight -= u64::from(weight);
            }
            answered
        })
    }

    /// Keeps a copy of `read`, weighing `weight`, found in `found` after [`Front::generation`] returned
    /// `generation`.
    pub(crate) fn keep(&self, generation: u64, read: &Arc<Read>, weight: u32) {
        COPIES.with(|copies| {
            let mut copies = copies.borrow_mut();
            let index = match copies.iter().position(|c| self.owns(c)) {
                Some(index) => index,
                None => {
                    copies.retain(|c| c.resolver.strong_count() > 0);
                    copies.push(Copies {
                        resolver: Arc::downgrade(&self.identity),
                        generation,
                        reads: HashMap::new(),
                        weight: 0,
                    });
                    copies.len() - 1
                }
            };
            let mine = &mut copies[index];
            if mine.generation != generation || mine.weight + u64::from(weight) > self.budget {
                mine.clear(generation);
            }
            if u64::from(weight) <= self.budget {
                let copy = (Arc::clone(read), read.at, weight);
                if let Some((_, _, replaced)) = mine.reads.insert(read.link.id.clone(), copy) {
                    mine.weight -= u64::from(replaced);
                }
                mine.weight += u64::from(weight);
            }
        });
    }

    /// Called once `found` no longer holds a forgotten ID: every thread's copies taken before are dropped at its
    /// next answer.
    pub(crate) fn forgot(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}

impl Copies {
    fn clear(&mut self, generation: u64) {
        self.reads.clear();
        self.weight = 0;
        self.generation = generation;
    }
}
