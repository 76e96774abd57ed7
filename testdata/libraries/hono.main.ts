import { handler } from "./hono.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
