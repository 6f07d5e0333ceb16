import { z } from 'zod';
import { freeText, IdSchema } from './schemas.js';

// ---- Plans: named sets of rate-limit windows ----

export const WINDOW_UNITS = ['second', 'minute', 'hour', 'day', 'month'] as const;
export const WINDOW_SCOPES = ['key', 'owner'] as const;
/** Largest limit of one window (the limiter's exact integer arithmetic stays below 2⁵³). */
export const MAX_WINDOW_LIMIT = 1_000_000_000;
export const MAX_PLAN_WINDOWS = 10;
export const MAX_PLAN_NAME_LENGTH = 63;
export const MAX_PLAN_DESCRIPTION_LENGTH = 500;

/** One window of a plan: at most one per unit and scope. */
export const PlanWindowSchema = z.strictObject({
  unit: z.enum(WINDOW_UNITS, { error: 'must be "second", "minute", "hour", "day" or "month"' }),
  limit: z
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(MAX_WINDOW_LIMIT, { error: `must be at most ${MAX_WINDOW_LIMIT}` }),
  /** `key`: each key of the plan on its own; `owner`: all keys of one user together. */
  scope: z.enum(WINDOW_SCOPES, { error: 'must be "key" or "owner"' }).default('key'),
  /** Counted and reported (headers, metrics) but never enforced: to try a new limit safely. */
  shadow: z.boolean({ error: 'must be true or false' }).default(false),
});
export type PlanWindow = z.output<typeof PlanWindowSchema>;

const PlanWindowsSchema = z
  .array(PlanWindowSchema, { error: 'must be a list of windows' })
  .min(1, { error: 'must have at least one window' })
  .max(MAX_PLAN_WINDOWS, { error: `must have at most ${MAX_PLAN_WINDOWS} windows` })
  .superRefine((windows, ctx) => {
    const seen = new Set<string>();
    windows.forEach((w, i) => {
      const id = `${w.scope}:${w.unit}`;
      if (seen.has(id)) {
        ctx.addIssue({ code: 'custom', path: [i], message: `has a second ${w.scope} window of one ${w.unit}` });
      }
      seen.add(id);
    });
  });

/** A slug: lower-case letters, digits and dashes, starting with a letter or digit. */
export const PlanNameSchema = freeText()
  .regex(/^[a-z0-9][a-z0-9-]*$/, {
    error: 'must be lower-case letters, digits and dashes (a slug such as "pro-2026")',
  })
  .max(MAX_PLAN_NAME_LENGTH, { error: `must be at most ${MAX_PLAN_NAME_LENGTH} characters` });

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** An IANA time zone name this runtime knows (`UTC`, `Europe/Berlin`, …). */
export const TimeZoneSchema = freeText()
  .max(64, { error: 'must be at most 64 characters' })
  .refine(isTimeZone, { error: 'must be an IANA time zone name such as "UTC" or "Europe/Berlin"' });

const DescriptionSchema = freeText()
  .trim()
  .max(MAX_PLAN_DESCRIPTION_LENGTH, { error: `must be at most ${MAX_PLAN_DESCRIPTION_LENGTH} characters` });

/** `POST /plans` – create a plan (admins). */
export const CreatePlanRequestSchema = z.strictObject({
  name: PlanNameSchema,
  description: DescriptionSchema.nullable().optional(),
  timeZone: TimeZoneSchema.default('UTC'),
  windows: PlanWindowsSchema,
});
export type CreatePlanRequest = z.input<typeof CreatePlanRequestSchema>;

/** `PATCH /plans/:id` – change a plan (admins); every key on it follows at once. */
export const UpdatePlanRequestSchema = z
  .strictObject({
    name: PlanNameSchema.optional(),
    description: DescriptionSchema.nullable().optional(),
    timeZone: TimeZoneSchema.optional(),
    windows: PlanWindowsSchema.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { error: 'at least one field must be given' });
export type UpdatePlanRequest = z.input<typeof UpdatePlanRequestSchema>;

export const PlanSchema = z.object({
  id: IdSchema,
  name: z.string(),
  description: z.string().nullable(),
  timeZone: z.string(),
  windows: z.array(
    z.object({
      unit: z.enum(WINDOW_UNITS),
      limit: z.number().int(),
      scope: z.enum(WINDOW_SCOPES),
      shadow: z.boolean(),
    }),
  ),
  /** Keys on this plan. */
  keyCount: z.number().int(),
  /** Defined by the declarative configuration file: change it there, not through the API. */
  managedByFile: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Plan = z.infer<typeof PlanSchema>;

export const ListPlansResponseSchema = z.object({ data: z.array(PlanSchema) });
export type ListPlansResponse = z.infer<typeof ListPlansResponseSchema>;
