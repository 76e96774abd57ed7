import { handler } from "./middy.ts";
import { start } from "../../runtime/mod.ts";

start(handler);
