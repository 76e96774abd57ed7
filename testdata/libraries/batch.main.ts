import { handler } from "./batch.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
