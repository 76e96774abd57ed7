import { handler } from "./logger.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
