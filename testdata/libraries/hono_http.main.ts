// The same Hono app through gopherless's own fetch adapter.
import { app } from "./hono.ts";
import { http } from "../../http/mod.ts";
import { start } from "../../runtime/mod.ts";

start(http(app.fetch));
