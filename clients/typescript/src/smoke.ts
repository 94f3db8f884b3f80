// A client generated from openapi/openapi.json, used against a live service: lists projects,
// opts an organization in to one (PUT participation) and reads the project's allocation.
//
// Environment: SMARTREGION_URL (e.g. http://127.0.0.1:8080), SMARTREGION_ORG (an organization
// key) and SMARTREGION_ADMIN_TOKEN (a bearer token with the role admin for that organization).

import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type ParticipationState = components["schemas"]["ParticipationState"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

function fail(step: string, status: number, body: unknown): never {
  throw new Error(`${step}: HTTP ${status}: ${JSON.stringify(body)}`);
}

async function main(): Promise<void> {
  const baseUrl = env("SMARTREGION_URL");
  const org = env("SMARTREGION_ORG");
  const client = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${env("SMARTREGION_ADMIN_TOKEN")}` },
  });

  // 1. The catalogue (public; the seed loads the strategy's known projects).
  const list = await client.GET("/api/v1/projects", {
    params: { query: { limit: 5 } },
  });
  if (!list.data) fail("list projects", list.response.status, list.error);
  const project = list.data.items[0];
  if (!project) throw new Error("the catalogue is empty");
  console.log(`projects: ${list.data.items.map((p) => p.code).join(", ")}`);
  // Each project names the working groups that carry it (typed `{ id, name }[]`).
  if (!list.data.items.every((p) => Array.isArray(p.working_groups))) {
    throw new Error("a project answer without working_groups");
  }
  const groups: string[] = list.data.items.flatMap((p) => p.working_groups.map((w) => w.name));
  console.log(`working groups carrying them: ${groups.length}`);

  // Overlap detection: the efforts most similar to the first project.
  const similar = await client.GET("/api/v1/projects/{id}/similar", {
    params: { path: { id: project.id }, query: { limit: 3 } },
  });
  if (!similar.data) fail("similar to a project", similar.response.status, similar.error);
  console.log(`similar to ${project.code}: ${similar.data.items.length} (threshold ${similar.data.threshold})`);

  // 2. Opt in: PUT the participation, with If-Match when it exists already.
  const path = { id: project.id, org };
  const current = await client.GET("/api/v1/projects/{id}/participations/{org}", {
    params: { path },
  });
  const etag = current.response.ok ? current.response.headers.get("etag") : null;
  const state: ParticipationState = "interested";
  const put = await client.PUT("/api/v1/projects/{id}/participations/{org}", {
    params: {
      path,
      header: etag ? { "If-Match": etag } : { "If-None-Match": "*" },
    },
    body: { state, contact_role: "Digitalisierungsbeauftragte" },
  });
  if (!put.data) fail("put participation", put.response.status, put.error);
  console.log(
    `participation of ${put.data.organization} in ${project.code}: ${put.data.state} (HTTP ${put.response.status})`,
  );
  if (put.data.state !== state) {
    throw new Error(`expected state ${state}, got ${put.data.state}`);
  }

  // 3. The project's allocation as the opted-in organization sees it.
  const allocation = await client.GET("/api/v1/projects/{id}/allocation", {
    params: { path: { id: project.id } },
  });
  if (!allocation.data) fail("get allocation", allocation.response.status, allocation.error);
  if (allocation.data.project_id !== project.id) {
    throw new Error("the allocation is for another project");
  }
  console.log(
    `allocation of ${project.code}: status ${allocation.data.status}, ${allocation.data.years.length} fiscal year(s), shares visible: ${allocation.data.shares_visible}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
