// The same quarter without Baton: each lead is assigned at arrival by round robin within its
// team (the team Baton's routing would pick), nobody is reminded or nudged, nothing is
// reassigned. Reps behave exactly as in Baton's world (bench/simulation/behaviour.ts); a rep on
// leave finds their leads on return, the leads of the rep who left stay with them. A pure
// model: there is no Baton to run.
import {
  afterTouch,
  type Decision,
  firstStep,
  lookDelay,
  type Step,
} from "#bench/simulation/behaviour.ts";
import { Agenda } from "#bench/simulation/events.ts";
import {
  backAt,
  businessAfter,
  type Calendar,
  type RepProfile,
  type SimLead,
} from "#bench/simulation/model.ts";
import { type Random, stream } from "#bench/simulation/random.ts";

export interface BaselineLead {
  lead: SimLead;
  rep: RepProfile;
  assignedAt: number;
  /** When the rep first picked the lead up (opened it), if ever. */
  claimedAt?: number;
  touches: number;
  lastTouchAt?: number;
  decision?: Decision;
  decidedAt?: number;
  random: Random;
}

export function runBaseline(options: {
  leads: SimLead[];
  reps: RepProfile[];
  calendars: Map<string, Calendar>;
  end: number;
  seed: number;
}): BaselineLead[] {
  const { leads, reps, calendars, end, seed } = options;
  const agenda = new Agenda();
  const turn = new Map<string, number>();
  const results: BaselineLead[] = [];
  let time = 0;
  const after = (rep: RepProfile, from: number, minutes: number) =>
    businessAfter(calendars.get(rep.team)!, from, minutes);

  /** Runs `action` when the rep is at work: now, on their return, or never. */
  const whenAtWork = (rep: RepProfile, at: number, action: () => void) => {
    agenda.at(at, () => {
      const back = backAt(rep, time);
      if (back === undefined) return;
      if (back > time) whenAtWork(rep, after(rep, back, 30), action);
      else action();
    });
  };

  function follow(state: BaselineLead, step: Step) {
    if (step.kind === "stop") return;
    if (step.kind === "decide") {
      state.decision = step.decision;
      state.decidedAt = time;
      return;
    }
    whenAtWork(state.rep, after(state.rep, time, step.afterMinutes), () => {
      state.touches += 1;
      state.lastTouchAt = time;
      follow(state, afterTouch(state.rep, state.lead, state.touches, state.touches, state.random));
    });
  }

  for (const lead of leads) {
    agenda.at(lead.arrivesAt, () => {
      // Static round robin over the team's roster; the rep who left is taken off it then.
      const roster = reps.filter(
        (r) => r.team === lead.team && (r.leaves === undefined || r.leaves > time),
      );
      const i = turn.get(lead.team) ?? 0;
      turn.set(lead.team, i + 1);
      const rep = roster[i % roster.length]!;
      const random = stream(seed, `baseline:${lead.index}`);
      const state: BaselineLead = { lead, rep, assignedAt: time, touches: 0, random };
      results.push(state);
      whenAtWork(rep, after(rep, time, lookDelay(rep, state.random)), () => {
        state.claimedAt = time;
        follow(state, firstStep(rep, state.random));
      });
    });
  }
  while (agenda.peek() <= end) {
    const entry = agenda.pop()!;
    time = entry.at;
    void entry.run();
  }
  return results;
}
